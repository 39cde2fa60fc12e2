using System.Buffers;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace GlobalBrain.Domain.Quality;

/// <summary>MinHash + LSH settings; the defaults are datatrove's <c>MinhashConfig</c> (5-grams, 14 × 8, seed 1).</summary>
/// <param name="ShingleWords">Words per shingle (the n of the word n-grams).</param>
/// <param name="Bands">b: LSH bands (datatrove's num_buckets).</param>
/// <param name="RowsPerBand">r: MinHash values per band (datatrove's hashes_per_bucket).</param>
/// <param name="Seed">Seeds the hash family; every silo must use the same one.</param>
public sealed record MinHashOptions(int ShingleWords = 5, int Bands = 14, int RowsPerBand = 8, ulong Seed = 1)
{
    public static MinHashOptions Default { get; } = new();
}

/// <summary>One LSH band of one signature: documents with an equal key are near-duplicate candidates.</summary>
public readonly record struct LshBandKey(int Band, ulong Hash);

/// <summary>
/// Near-duplicate detection by MinHash and LSH banding (Broder 1997; Leskovec, Rajaraman &amp; Ullman,
/// Mining of Massive Datasets, ch. 3), as datatrove's MinhashDedupSignature builds it: word n-gram
/// shingles of the <see cref="TextNormalizer"/> form, b·r MinHash values from a seeded universal hash
/// family h(x) = (a·x + b) mod (2⁶¹ − 1), cut into b bands of r.
/// </summary>
/// <remarks>
/// Two documents whose shingle sets have Jaccard similarity s share at least one band with probability
/// P(s) = 1 − (1 − sʳ)ᵇ (<see cref="CandidateProbability(double)"/>). The S-curve's threshold, where it is
/// steepest, is about (1/b)^(1/r): 0.719 for the defaults, with P(0.5) = 0.053, P(0.7) = 0.56,
/// P(0.8) = 0.924, P(0.9) = 0.9996. So pairs at s ≥ 0.8 are found 92 % of the time or more (false
/// negatives ≤ 7.6 %), and pairs at s ≤ 0.5 are flagged ≤ 5.3 % of the time (false positives). There is no
/// second check of the real Jaccard: like datatrove, a shared band is a duplicate.
/// Hashes are stable across processes: shingles are XxHash3-64 of the UTF-8 words, band keys XxHash3-64 of
/// the r values (little-endian) seeded with the band index, the family's (a, b) drawn by SplitMix64.
/// </remarks>
public sealed class MinHashDeduplicator
{
    private const ulong MersennePrime = (1UL << 61) - 1;

    /// <summary>Rune.IsWhiteSpace of each ASCII character, as <see cref="TextWords.Split"/> tests it.</summary>
    private static readonly bool[] AsciiWhiteSpace = [.. Enumerable.Range(0, 128).Select(c => Rune.IsWhiteSpace(new Rune(c)))];

    private readonly ulong[] _a;
    private readonly ulong[] _b;
    private readonly ulong[] _aLow;
    private readonly ulong[] _aHigh;
    private readonly ulong[] _aHighTimes8;

    public MinHashDeduplicator(MinHashOptions? options = null)
    {
        Options = options ?? MinHashOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.ShingleWords, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Bands, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.RowsPerBand, 1);
        _a = new ulong[SignatureLength];
        _b = new ulong[SignatureLength];
        var state = Options.Seed;
        for (var i = 0; i < SignatureLength; i++)
        {
            _a[i] = 1 + (SplitMix64(ref state) % (MersennePrime - 1));
            _b[i] = SplitMix64(ref state) % MersennePrime;
        }

        _aLow = [.. _a.Select(a => a & uint.MaxValue)];
        _aHigh = [.. _a.Select(a => a >> 32)];
        _aHighTimes8 = [.. _aHigh.Select(a => a << 3)];
    }

    public MinHashOptions Options { get; }

    /// <summary>The family's a values (for tests).</summary>
    internal ReadOnlySpan<ulong> A => _a;

    /// <summary>The family's b values (for tests).</summary>
    internal ReadOnlySpan<ulong> B => _b;

    public int SignatureLength => Options.Bands * Options.RowsPerBand;

    /// <summary>(1/b)^(1/r): the Jaccard similarity near which the S-curve rises from unlikely to likely.</summary>
    public double Threshold => Math.Pow(1.0 / Options.Bands, 1.0 / Options.RowsPerBand);

    public double CandidateProbability(double jaccard) => CandidateProbability(jaccard, Options.Bands, Options.RowsPerBand);

    /// <summary>P(at least one equal band | Jaccard s) = 1 − (1 − sʳ)ᵇ.</summary>
    public static double CandidateProbability(double jaccard, int bands, int rows) =>
        1 - Math.Pow(1 - Math.Pow(jaccard, rows), bands);

    /// <summary>
    /// The MinHash signature of <paramref name="text"/> (normalized here), or null when it has no word.
    /// A text shorter than one shingle is one shingle of all its words.
    /// </summary>
    public ulong[]? Signature(string text)
    {
        var signature = new ulong[SignatureLength];
        return TrySignatureOfNormalized(TextNormalizer.Normalize(text), signature) ? signature : null;
    }

    /// <summary>Writes the signature of already normalized text; false (nothing written) when it has no word.</summary>
    public bool TrySignatureOfNormalized(string normalized, Span<ulong> signature)
    {
        if (signature.Length != SignatureLength)
        {
            throw new ArgumentException($"The signature needs {SignatureLength} values, not {signature.Length}.", nameof(signature));
        }

        // At most one word per character.
        ReadOnlySpan<char> text = normalized;
        var hashes = ArrayPool<ulong>.Shared.Rent(Math.Max(1, text.Length));
        try
        {
            var words = HashWords(text, hashes);
            if (words == 0)
            {
                return false;
            }

            Update(hashes.AsSpan(0, words), Math.Min(Options.ShingleWords, words), signature, WidestLanes);
            return true;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashes);
        }
    }

    /// <summary>How many hash functions one step computes: 8 with AVX-512, 4 with AVX2, else 1 (all give the same values).</summary>
    internal int WidestLanes =>
        Avx512F.IsSupported && SignatureLength % Vector512<ulong>.Count == 0 ? Vector512<ulong>.Count
        : Avx2.IsSupported && SignatureLength % Vector256<ulong>.Count == 0 ? Vector256<ulong>.Count
        : 1;

    /// <summary>
    /// The signature of the shingles of <paramref name="n"/> words of <paramref name="words"/> (their hashes; at
    /// least n), or with n = 0 of <paramref name="words"/> as shingles, <paramref name="lanes"/> (1, or 4 or 8 when
    /// they divide the signature's length) hash functions at a time. Each shingle is hashed where it is used.
    /// </summary>
    internal void Update(ReadOnlySpan<ulong> words, int n, Span<ulong> signature, int lanes)
    {
        var shingles = n == 0 ? words.Length : words.Length - n + 1;
        switch (lanes)
        {
            case 8:
                signature.Fill(ulong.MaxValue);
                for (var i = 0; i < shingles; i++)
                {
                    UpdateVector512(signature, Shingle(words, i, n));
                }

                return;
            case 4:
                // Every value is < 2⁶¹ and at least one shingle updates each, so a signed minimum from long.MaxValue
                // ends where the unsigned one from ulong.MaxValue does.
                var values = MemoryMarshal.Cast<ulong, long>(signature);
                values.Fill(long.MaxValue);
                for (var i = 0; i < shingles; i++)
                {
                    UpdateVector(values, Shingle(words, i, n));
                }

                return;
            default:
                signature.Fill(ulong.MaxValue);
                for (var i = 0; i < shingles; i++)
                {
                    Update(signature, Shingle(words, i, n));
                }

                return;
        }
    }

    /// <summary>XxHash3-64 of the n word hashes from <paramref name="i"/> on (little-endian bytes), or word i itself when n = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Shingle(ReadOnlySpan<ulong> words, int i, int n) =>
        n == 0 ? words[i]
        : n is >= 3 and <= 8 && BitConverter.IsLittleEndian ? XxHash3Of3To8Words(words.Slice(i, n))
        : XxHash3.HashToUInt64(MemoryMarshal.AsBytes(words.Slice(i, n)));

    /// <summary>
    /// XxHash3-64 (seed 0) of 24 to 64 bytes given as little-endian 64-bit words — the 17–128-byte case of the
    /// algorithm (xxhash.h, XXH3_len_17to128_64b) written out for whole words, with the first 64 bytes of its
    /// default secret: the same value as <see cref="XxHash3.HashToUInt64(ReadOnlySpan{byte}, long)"/>, without the
    /// call and the dispatch on the length.
    /// </summary>
    internal static ulong XxHash3Of3To8Words(ReadOnlySpan<ulong> words)
    {
        const ulong Prime64 = 0x9E3779B185EBCA87UL;
        var n = words.Length;
        var acc = (ulong)(n * sizeof(ulong)) * Prime64;
        if (n > 4)
        {
            acc += Mix(words[2] ^ 0x78E5C0CC4EE679CBUL, words[3] ^ 0x2172FFCC7DD05A82UL);
            acc += Mix(words[n - 4] ^ 0x8E2443F7744608B8UL, words[n - 3] ^ 0x4C263A81E69035E0UL);
        }

        acc += Mix(words[0] ^ 0xBE4BA423396CFEB8UL, words[1] ^ 0x1CAD21F72C81017CUL);
        acc += Mix(words[n - 2] ^ 0xDB979083E96DD4DEUL, words[n - 1] ^ 0x1F67B3B7A4A44072UL);
        acc ^= acc >> 37;
        acc *= 0x165667919E3779F9UL;
        return acc ^ (acc >> 32);

        static ulong Mix(ulong left, ulong right)
        {
            var high = Math.BigMul(left, right, out var low);
            return low ^ high;
        }
    }

    /// <summary>The b band keys of <paramref name="signature"/>.</summary>
    public LshBandKey[] BandKeys(ReadOnlySpan<ulong> signature)
    {
        if (signature.Length != SignatureLength)
        {
            throw new ArgumentException($"The signature has {signature.Length} values; {SignatureLength} are expected.", nameof(signature));
        }

        var keys = new LshBandKey[Options.Bands];
        var rows = Options.RowsPerBand;
        Span<ulong> band = stackalloc ulong[rows];
        for (var i = 0; i < keys.Length; i++)
        {
            for (var j = 0; j < rows; j++)
            {
                band[j] = BitConverter.IsLittleEndian ? signature[(i * rows) + j] : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(signature[(i * rows) + j]);
            }

            keys[i] = new LshBandKey(i, XxHash3.HashToUInt64(MemoryMarshal.AsBytes(band), i));
        }

        return keys;
    }

    /// <summary>The fraction of equal positions: an unbiased estimate of the Jaccard similarity.</summary>
    public static double EstimateJaccard(ReadOnlySpan<ulong> first, ReadOnlySpan<ulong> second)
    {
        if (first.Length != second.Length || first.Length == 0)
        {
            throw new ArgumentException("Signatures of equal, non-zero length are needed.", nameof(second));
        }

        var equal = 0;
        for (var i = 0; i < first.Length; i++)
        {
            equal += first[i] == second[i] ? 1 : 0;
        }

        return (double)equal / first.Length;
    }

    private void Update(Span<ulong> signature, ulong shingle)
    {
        var x = (shingle & MersennePrime) + (shingle >> 61);
        x = x >= MersennePrime ? x - MersennePrime : x;
        for (var i = 0; i < signature.Length; i++)
        {
            var high = Math.BigMul(_a[i], x, out var low);
            // 2⁶⁴ ≡ 2³ (mod 2⁶¹ − 1); high < 2⁵⁸ because a, x < 2⁶¹.
            var t = (low & MersennePrime) + (low >> 61) + (high << 3) + _b[i];
            t = (t & MersennePrime) + (t >> 61);
            t = t >= MersennePrime ? t - MersennePrime : t;
            if (t < signature[i])
            {
                signature[i] = t;
            }
        }
    }

    /// <summary>
    /// <see cref="Update"/> four hash functions at a time, with the same exact arithmetic mod 2⁶¹ − 1: AVX2 multiplies
    /// 32 × 32 → 64 bits, so a·x is assembled from the halves a = a₁·2³² + a₀, x = x₁·2³² + x₀ (a₁, x₁ &lt; 2²⁹):
    /// a·x = a₁x₁·2⁶⁴ + (a₁x₀ + a₀x₁)·2³² + a₀x₀, and 2⁶⁴ ≡ 2³, 2⁶¹ ≡ 1.
    /// </summary>
    private void UpdateVector(Span<long> signature, ulong shingle)
    {
        var x = (shingle & MersennePrime) + (shingle >> 61);
        x = x >= MersennePrime ? x - MersennePrime : x;
        var x0 = Vector256.Create(x & uint.MaxValue).AsUInt32();
        var x1 = Vector256.Create(x >> 32).AsUInt32();
        var prime = Vector256.Create(MersennePrime);
        var low29 = Vector256.Create((1UL << 29) - 1);
        ref var a0 = ref MemoryMarshal.GetArrayDataReference(_aLow);
        ref var a1 = ref MemoryMarshal.GetArrayDataReference(_aHigh);
        ref var b = ref MemoryMarshal.GetArrayDataReference(_b);
        ref var min = ref MemoryMarshal.GetReference(signature);
        for (nuint i = 0; i < (nuint)signature.Length; i += (nuint)Vector256<ulong>.Count)
        {
            var aLow = Vector256.LoadUnsafe(ref a0, i).AsUInt32();
            var aHigh = Vector256.LoadUnsafe(ref a1, i).AsUInt32();
            var p00 = Avx2.Multiply(aLow, x0);
            var p11 = Avx2.Multiply(aHigh, x1);
            var middle = Avx2.Multiply(aHigh, x0) + Avx2.Multiply(aLow, x1);
            // Each term < 2⁶¹, so the sum < 2⁶⁴; two folds and one subtraction leave the canonical residue.
            var t = (p11 << 3) + (middle >> 29) + ((middle & low29) << 32) + (p00 & prime) + (p00 >> 61) + Vector256.LoadUnsafe(ref b, i);
            t = (t & prime) + (t >> 61);
            t -= Vector256.GreaterThanOrEqual(t.AsInt64(), prime.AsInt64()).AsUInt64() & prime;
            var current = Vector256.LoadUnsafe(ref min, i);
            Vector256.Min(current, t.AsInt64()).StoreUnsafe(ref min, i);
        }
    }

    /// <summary>
    /// <see cref="UpdateVector"/> eight hash functions at a time (AVX-512), with four steps fewer: a₁·8 is kept
    /// (a₁ &lt; 2²⁹, so a₁·8·x₁ needs no shift); the high half of a₀x₀ joins the middle term (which stays &lt; 2⁶³), whose
    /// low 29 bits, shifted to bits 32–60, then take the low half of a₀x₀ in by a bitwise or; and the canonical
    /// residue of t &lt; 2⁶¹ + 4 is the unsigned minimum of t and t − (2⁶¹ − 1) (the latter wraps around when t is
    /// already below).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void UpdateVector512(Span<ulong> signature, ulong shingle)
    {
        var x = (shingle & MersennePrime) + (shingle >> 61);
        x = x >= MersennePrime ? x - MersennePrime : x;
        var x0 = Vector512.Create(x & uint.MaxValue).AsUInt32();
        var x1 = Vector512.Create(x >> 32).AsUInt32();
        var prime = Vector512.Create(MersennePrime);
        var low32 = Vector512.Create((ulong)uint.MaxValue);
        ref var a0 = ref MemoryMarshal.GetArrayDataReference(_aLow);
        ref var a1 = ref MemoryMarshal.GetArrayDataReference(_aHigh);
        ref var a18 = ref MemoryMarshal.GetArrayDataReference(_aHighTimes8);
        ref var b = ref MemoryMarshal.GetArrayDataReference(_b);
        ref var min = ref MemoryMarshal.GetReference(signature);
        for (nuint i = 0; i < (nuint)signature.Length; i += (nuint)Vector512<ulong>.Count)
        {
            var aLow = Vector512.LoadUnsafe(ref a0, i).AsUInt32();
            var p00 = Avx512F.Multiply(aLow, x0);
            var p11 = Avx512F.Multiply(Vector512.LoadUnsafe(ref a18, i).AsUInt32(), x1);
            var middle = Avx512F.Multiply(Vector512.LoadUnsafe(ref a1, i).AsUInt32(), x0) + Avx512F.Multiply(aLow, x1) + (p00 >> 32);
            var t = p11 + (middle >> 29) + (((middle << 35) >> 3) | (p00 & low32)) + Vector512.LoadUnsafe(ref b, i);
            t = (t & prime) + (t >> 61);
            var current = Vector512.LoadUnsafe(ref min, i);
            Vector512.Min(current, Vector512.Min(t, t - prime)).StoreUnsafe(ref min, i);
        }
    }

    /// <summary>
    /// Writes the XxHash3 of the UTF-8 bytes of each word of <paramref name="text"/>, as <see cref="TextWords.Split"/>
    /// cuts them, to <paramref name="hashes"/>; returns how many. The text is encoded once (the UTF-8 of the whole is
    /// that of its words and separators in turn: no word ends inside a surrogate pair, and a lone surrogate is
    /// EF BF BD either way), then cut as bytes, 32 at a time while they are ASCII.
    /// </summary>
    internal static int HashWords(ReadOnlySpan<char> text, Span<ulong> hashes)
    {
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            return HashWords(utf8.AsSpan(0, Encoding.UTF8.GetBytes(text, utf8)), hashes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    private static int HashWords(ReadOnlySpan<byte> text, Span<ulong> hashes)
    {
        var count = 0;
        var start = -1;
        var i = 0;
        ref var bytes = ref MemoryMarshal.GetReference(text);
        while (i < text.Length)
        {
            if (i + Vector256<byte>.Count <= text.Length)
            {
                var chunk = Vector256.LoadUnsafe(ref bytes, (nuint)i);
                if (chunk.ExtractMostSignificantBits() == 0)
                {
                    // ASCII: the whitespace is 9–13 and 32.
                    var spaces = (Vector256.Equals(chunk, Vector256.Create((byte)' '))
                        | Vector256.LessThanOrEqual(chunk - Vector256.Create((byte)9), Vector256.Create((byte)(13 - 9)))).ExtractMostSignificantBits();
                    var j = 0;
                    while (j < Vector256<byte>.Count)
                    {
                        var rest = (start < 0 ? ~spaces : spaces) >> j;
                        if (rest == 0)
                        {
                            break;
                        }

                        j += BitOperations.TrailingZeroCount(rest);
                        if (start < 0)
                        {
                            start = i + j;
                        }
                        else
                        {
                            hashes[count++] = XxHash3.HashToUInt64(text[start..(i + j)]);
                            start = -1;
                        }
                    }

                    i += Vector256<byte>.Count;
                    continue;
                }
            }

            for (var end = Math.Min(text.Length, i + Vector256<byte>.Count); i < end;)
            {
                var b = text[i];
                if (b < 0x80)
                {
                    if (AsciiWhiteSpace[b])
                    {
                        if (start >= 0)
                        {
                            hashes[count++] = XxHash3.HashToUInt64(text[start..i]);
                            start = -1;
                        }
                    }
                    else if (start < 0)
                    {
                        start = i;
                    }

                    i++;
                    continue;
                }

                Rune.DecodeFromUtf8(text[i..], out var rune, out var consumed);
                if (Rune.IsWhiteSpace(rune) || TextWords.IsSpaceless(rune.Value))
                {
                    if (start >= 0)
                    {
                        hashes[count++] = XxHash3.HashToUInt64(text[start..i]);
                        start = -1;
                    }

                    if (!Rune.IsWhiteSpace(rune))
                    {
                        hashes[count++] = XxHash3.HashToUInt64(text.Slice(i, consumed));
                    }
                }
                else if (start < 0)
                {
                    start = i;
                }

                i += consumed;
            }
        }

        if (start >= 0)
        {
            hashes[count++] = XxHash3.HashToUInt64(text[start..]);
        }

        return count;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
