using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using GlobalBrain.Domain.Quality;
using Xunit;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// The duplicate keys are persisted across runs, so every one of them is pinned: a digest of the normalised
/// text, the exact hash, the MinHash signature and the band keys of thousands of random mixed-script texts (and
/// of the corpus paragraphs), computed by the implementation before it was made faster. Any change to any key
/// of any of these texts changes the digest.
/// </summary>
public sealed class DuplicateKeysPinnedTests
{
    /// <summary>
    /// Letters of many scripts (cased and not), accented and precomposed forms, combining marks, Hangul
    /// syllables, full-width forms, digits of several scripts, whitespace of several kinds, punctuation and
    /// symbols, controls, CJK (spaceless), surrogate pairs (Deseret has case), and lone surrogates.
    /// </summary>
    private static readonly string[] Pieces =
    [
        "a", "b", "z", "A", "Q", "Z", "0", "7", "9", " ", "  ", "\t", "\n", "\r\n", ".", ",", "!", "?", "-", "_", "'", "\"", "(", ")", "$", "%", "+", "=", "\u0001", "\u007f",
        "é", "É", "ñ", "Ñ", "ü", "ç", "ß", "ø", "Å", "æ", "œ", "ŉ", "ǅ", "ǈ", "İ", "ı", "ſ", "K", "Ω", "ﬁ", "½", "²", "µ", "ª", "º",
        "e\u0301", "n\u0303", "\u0301", "\u0308", "\u0345", "\u20dd", "\u0903", "\u093f",
        "ά", "Σ", "ς", "ΐ", "Ж", "ж", "Ё", "ї", "Ա", "ա", "א", "ب", "٣", "۵", "ह", "क्ष", "३", "ไ", "ก", "๓",
        "한", "국", "어", "\u1100", "\u1161", "\u11a8", "ㄱ",
        "Ａ", "ｚ", "０", "９", "！", "～", "\u3000", "\u00a0", "\u2003", "\u2028", "\u0085", "\u200b", "\u00ad", "\ufeff",
        "中", "文", "字", "。", "，", "“", "”", "《", "》", "、", "ア", "ひ", "ｶ", "\u3400", "\uf900", "\ufa10",
        "€", "©", "™", "→", "∑", "≤", "°", "♥", "\ue000", "\ufffd", "\uffff",
        "😀", "𝐀", "𝟘", "𐐀", "𐐨", "𠀀", "𪚥", "\ud83d", "\ude00", "\udbff\udfff",
    ];

    [Fact]
    public void RandomMixedTexts_KeysAreThePinnedOnes()
    {
        var random = new Random(20261201);
        var texts = Enumerable.Range(0, 4000).Select(_ => RandomText(random, random.Next(0, 60))).ToList();
        texts.Add(string.Empty);
        texts.Add(new string('a', 3000));
        texts.Add(string.Join(' ', Enumerable.Range(0, 700).Select(i => i.ToString(CultureInfo.InvariantCulture) + "é字")));

        Assert.Equal("4570c98e0c2d599c4c958e874250b297", Digest(texts));
    }

    [SkippableFact]
    public void CorpusParagraphs_KeysAreThePinnedOnes()
    {
        var paragraphs = QualityCorpus.Paragraphs(QualityCorpus.Folder());

        Assert.Equal("2341a30a9759248467eb765e4f1091e4", Digest([.. paragraphs.Select(p => p.Text)]));
    }

    private static string Digest(IReadOnlyList<string> texts)
    {
        var digest = new XxHash128();
        var dedups = new[]
        {
            new MinHashDeduplicator(),
            new MinHashDeduplicator(new MinHashOptions(ShingleWords: 3, Bands: 3, RowsPerBand: 4, Seed: 42)),
            new MinHashDeduplicator(new MinHashOptions(ShingleWords: 2, Bands: 5, RowsPerBand: 3, Seed: 7)),
        };
        foreach (var text in texts)
        {
            var normalized = TextNormalizer.Normalize(text);
            digest.Append(MemoryMarshal.AsBytes(normalized.AsSpan()));
            digest.Append([0xFF, 0xFE]);
            Append(digest, [(ulong)TextNormalizer.ExactHash(text), (ulong)(TextNormalizer.ExactHash(text) >> 64)]);
            foreach (var dedup in dedups)
            {
                // Of the normalised text, and of the raw text as given (the word split sees every kind of input).
                foreach (var input in new[] { normalized, text })
                {
                    var signature = new ulong[dedup.SignatureLength];
                    if (dedup.TrySignatureOfNormalized(input, signature))
                    {
                        Append(digest, signature);
                        Append(digest, [.. dedup.BandKeys(signature).Select(k => k.Hash ^ (ulong)k.Band)]);
                    }
                    else
                    {
                        Append(digest, [0xDEADUL]);
                    }
                }
            }
        }

        return Convert.ToHexStringLower(digest.GetCurrentHash());
    }

    private static void Append(XxHash128 digest, ReadOnlySpan<ulong> values)
    {
        Span<byte> bytes = stackalloc byte[8];
        foreach (var value in values)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            digest.Append(bytes);
        }
    }

    /// <summary>A text of <paramref name="pieces"/> random pieces (see <see cref="Pieces"/>), random BMP code units and supplementary code points, spaces and plain words.</summary>
    internal static string RandomText(Random random, int pieces)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < pieces; i++)
        {
            switch (random.Next(10))
            {
                case 0:
                    // Any BMP code unit, surrogates included.
                    builder.Append((char)random.Next(0, 0x10000));
                    break;
                case 1:
                    builder.Append(' ');
                    break;
                case 2:
                    // Any supplementary code point.
                    builder.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x110000)));
                    break;
                case 3:
                case 4:
                    // A plain word.
                    builder.Append(new string([.. Enumerable.Range(0, random.Next(1, 9)).Select(_ => (char)('a' + random.Next(26)))]));
                    break;
                default:
                    builder.Append(Pieces[random.Next(Pieces.Length)]);
                    break;
            }
        }

        return builder.ToString();
    }
}
