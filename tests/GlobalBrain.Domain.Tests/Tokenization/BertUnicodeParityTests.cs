using System.Globalization;
using System.Text;
using CsCheck;
using GlobalBrain.Domain.Tokenization.Bert;
using GlobalBrain.Testing;
using Xunit;
using Xunit.Abstractions;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;

namespace GlobalBrain.Domain.Tests.Tokenization;

/// <summary>
/// <c>bert</c> against HuggingFace's Rust tokenizers (Tokenizers.DotNet) on every Unicode scalar value and
/// on random strings from all planes. Runs without the shared data: the vocabulary is the shared
/// bert-base-cased one when GLOBALBRAIN_DATA is set and one the test writes otherwise (both sides load the
/// same file; the classes of characters, not the vocabulary, are what differs between implementations).
/// </summary>
public sealed class BertUnicodeParityTests(ITestOutputHelper output, BertUnicodeParityTests.References references) : IClassFixture<BertUnicodeParityTests.References>
{
    private const int StringsPerCall = 4096;

    private readonly References _references = references;

    /// <summary>
    /// Every scalar value c (U+0000–U+10FFFF less the surrogates: 1,112,064) in three contexts: alone, between
    /// letters ("a" + c + "b") and between punctuation ("," + c + "."). The strings are sent in batches joined
    /// by spaces (which nothing in BERT crosses); a batch that differs is checked string by string to name them.
    /// </summary>
    [Theory]
    [InlineData("alone", "", "", false)]
    [InlineData("between letters", "a", "b", false)]
    [InlineData("between punctuation", ",", ".", false)]
    [InlineData("alone", "", "", true)]
    [InlineData("between letters", "a", "b", true)]
    [InlineData("between punctuation", ",", ".", true)]
    public void Bert_EveryCodePoint_MatchesHuggingFace(string context, string before, string after, bool uncased)
    {
        var (ours, hf) = _references.Pair(uncased);
        context += uncased ? ", lowercase + strip_accents" : ", cased";
        var batch = new StringBuilder();
        var inBatch = new List<int>(StringsPerCall);
        var compared = 0;
        var mismatches = new List<string>();
        var mismatchCount = 0;

        void Flush()
        {
            var text = batch.ToString();
            if (!Content(hf.Encode(text)).AsSpan().SequenceEqual(ours.Encode(text)))
            {
                foreach (var codePoint in inBatch)
                {
                    var single = before + char.ConvertFromUtf32(codePoint) + after;
                    var expected = Content(hf.Encode(single));
                    var actual = ours.Encode(single);
                    if (!expected.AsSpan().SequenceEqual(actual))
                    {
                        mismatchCount++;
                        if (mismatches.Count < 20)
                        {
                            mismatches.Add($"U+{codePoint:X4} ({CharUnicodeInfo.GetUnicodeCategory(codePoint)} in .NET): HF [{string.Join(",", expected)}], bert [{string.Join(",", actual)}]");
                        }
                    }
                }
            }

            compared += inBatch.Count;
            batch.Clear();
            inBatch.Clear();
        }

        for (var codePoint = 0; codePoint <= 0x10FFFF; codePoint++)
        {
            if (codePoint is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            batch.Append(before).Append(char.ConvertFromUtf32(codePoint)).Append(after).Append(' ');
            inBatch.Add(codePoint);
            if (inBatch.Count == StringsPerCall)
            {
                Flush();
            }
        }

        Flush();
        output.WriteLine($"{context}: {compared} code points against HF tokenizers ({_references.VocabularySource}), {mismatchCount} differ");
        Assert.Equal(1_112_064, compared);
        Assert.True(mismatchCount == 0, $"{context}: {mismatchCount} of {compared} code points differ from HF; first ones:\n{string.Join("\n", mismatches)}");
    }

    /// <summary>
    /// Random strings of up to 24 characters drawn from every plane, weighted towards what BERT treats
    /// specially (whitespace, ASCII punctuation, CJK, controls, format and unassigned code points, added tokens).
    /// CsCheck prints the seed of a failing case; set CsCheck_Seed to replay it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bert_RandomStringsFromAllPlanes_MatchHuggingFace(bool uncased)
    {
        var (ours, hf) = _references.Pair(uncased);
        var anyScalar = Gen.Int[0, 0x10FFFF - 0x800].Select(i => i >= 0xD800 ? i + 0x800 : i);
        var piece = Gen.Frequency(
            (6, Gen.Char['a', 'z'].Select(c => c.ToString())),
            (2, Gen.Char[' ', '~'].Select(c => c.ToString())),
            (2, Gen.OneOfConst(" ", "\t", "\n", "\r", "\u00A0", "\u3000", "\u2028", "\u0085", "\u000B", "\u001F")),
            (4, anyScalar.Select(char.ConvertFromUtf32)),
            (3, Gen.Int[0, 0xFFFF].Where(i => i is < 0xD800 or > 0xDFFF).Select(i => ((char)i).ToString())),
            (2, Gen.Int[0x3400, 0x9FFF].Select(char.ConvertFromUtf32)),
            (1, Gen.Int[0x20000, 0x2FFFF].Select(char.ConvertFromUtf32)),
            (1, Gen.Int[0xE0000, 0x10FFFF].Select(char.ConvertFromUtf32)),
            (1, Gen.OneOfConst("\u0000", "\uFFFD", "\u200B", "\u00AD", "\u0378", "\u0890", "\u2E43", "\u061D", "\uFA6E", "\u166D", "\U000111C9", "\U0002B73A", "\uE001")),
            (1, Gen.OneOfConst("[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "##")));
        var strings = piece.Array[0, 24].Select(parts => string.Concat(parts));

        strings.Sample(
            text => Content(hf.Encode(text)).AsSpan().SequenceEqual(ours.Encode(text)),
            iter: 100_000,
            threads: 1,
            print: text => $"\"{Escape(text)}\": HF [{string.Join(",", Content(hf.Encode(text)))}], bert [{string.Join(",", ours.Encode(text))}]");
        output.WriteLine($"100,000 random strings ({(uncased ? "lowercase + strip_accents" : "cased")}) against HF tokenizers ({_references.VocabularySource}): 0 differ");
    }

    private static int[] Content(uint[] ids) => [.. ids.Skip(1).Take(ids.Length - 2).Select(i => checked((int)i))];

    private static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            escaped.Append(rune.Value is >= 0x20 and < 0x7F ? ((char)rune.Value).ToString() : $"\\u{{{rune.Value:X4}}}");
        }

        return escaped.ToString();
    }

    /// <summary>
    /// Both tokenizers over one vocabulary: the shared bert-base-cased when GLOBALBRAIN_DATA is set, a written
    /// one otherwise; and over a copy of it with lowercase and strip_accents on (bert-base-uncased's normalizer).
    /// </summary>
    public sealed class References : IDisposable
    {
        private static readonly string[] Tokens = BuildTokens();

        private readonly string? _folder;
        private readonly string _uncasedJson;
        private readonly HfTokenizer _hf;
        private readonly HfTokenizer _hfUncased;
        private readonly BertEncoder _ours;
        private readonly BertEncoder _oursUncased;

        public References()
        {
            var data = Environment.GetEnvironmentVariable("GLOBALBRAIN_DATA");
            string tokenizerJson;
            if (!string.IsNullOrEmpty(data) && File.Exists(Path.Combine(data, "bert-base-cased", "tokenizer.json")))
            {
                tokenizerJson = Path.Combine(data, "bert-base-cased", "tokenizer.json");
                VocabularySource = "bert-base-cased from GLOBALBRAIN_DATA";
            }
            else
            {
                (_folder, _, tokenizerJson) = HfTokenizerFiles.BuildBert(Tokens);
                VocabularySource = $"a {Tokens.Length}-token vocabulary written by the test";
            }

            _uncasedJson = HfTokenizerFiles.Copy(tokenizerJson, json =>
            {
                json["normalizer"]!["lowercase"] = true;
                json["normalizer"]!["strip_accents"] = true;
            });
            _ours = new BertEncoder(WordPieceVocabulary.Load(tokenizerJson));
            _oursUncased = new BertEncoder(WordPieceVocabulary.Load(_uncasedJson));
            Assert.True(_oursUncased.Vocabulary.Normalization is { Lowercase: true, StripAccents: true });
            _hf = new HfTokenizer(tokenizerJson);
            _hfUncased = new HfTokenizer(_uncasedJson);
        }

        public string VocabularySource { get; }

        public (BertEncoder Ours, HfTokenizer Hf) Pair(bool uncased) => uncased ? (_oursUncased, _hfUncased) : (_ours, _hf);

        public void Dispose()
        {
            _hf.Dispose();
            _hfUncased.Dispose();
            File.Delete(_uncasedJson);
            if (_folder is not null)
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static string[] BuildTokens()
        {
            var tokens = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
            for (var c = 0x21; c < 0x7F; c++)
            {
                tokens.Add(((char)c).ToString());
                if (char.IsAsciiLetterOrDigit((char)c))
                {
                    tokens.Add("##" + (char)c);
                }
            }

            // A few non-ASCII letters, ideographs, symbols and supplementary characters, whole and as continuations.
            foreach (var text in new[] { "é", "ß", "Ω", "ж", "中", "文", "½", "™", "€", "٠", "ก", "𝔘", "😀", "\U00020000" })
            {
                tokens.Add(text);
                tokens.Add("##" + text);
            }

            return [.. tokens];
        }
    }
}
