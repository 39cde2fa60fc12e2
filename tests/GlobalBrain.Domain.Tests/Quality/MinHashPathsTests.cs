using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using GlobalBrain.Domain.Quality;
using Xunit;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// The scalar, AVX2 (4 lanes) and AVX-512 (8 lanes) signature paths give the same values on random shingles, and
/// the one-pass word hashing gives the hashes of <see cref="TextWords.Split"/>'s words. A path the machine lacks is
/// skipped, and says so.
/// </summary>
public sealed class MinHashPathsTests
{
    [SkippableTheory]
    [InlineData(4)]
    [InlineData(8)]
    public void VectorPath_GivesTheScalarSignature(int lanes)
    {
        Skip.IfNot(lanes == 4 ? Avx2.IsSupported : Avx512F.IsSupported, $"no {(lanes == 4 ? "AVX2" : "AVX-512F")} on this machine");
        var random = new Random(lanes);
        foreach (var options in new[] { MinHashOptions.Default, new MinHashOptions(Bands: 2, RowsPerBand: 4, Seed: 3), new MinHashOptions(Bands: 4, RowsPerBand: 6, Seed: 99) })
        {
            var dedup = new MinHashDeduplicator(options);
            for (var i = 0; i < 2000; i++)
            {
                // Random 64-bit shingles, and ones near the modulus 2^61 - 1 and its multiples.
                var shingles = Enumerable.Range(0, random.Next(1, 40)).Select(_ => random.Next(3) switch
                {
                    0 => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63),
                    1 => (((ulong)random.Next(0, 9)) * ((1UL << 61) - 1)) + (ulong)random.Next(-4, 5),
                    _ => (ulong)random.Next(0, 16),
                }).ToArray();
                var scalar = new ulong[dedup.SignatureLength];
                var vector = new ulong[dedup.SignatureLength];
                dedup.Update(shingles, 0, scalar, 1);
                dedup.Update(shingles, 0, vector, lanes);

                Assert.Equal(scalar, vector);

                // The same words as shingles of n (as the signature of a text makes them).
                var n = random.Next(1, shingles.Length + 1);
                dedup.Update(shingles, n, scalar, 1);
                dedup.Update(shingles, n, vector, lanes);

                Assert.Equal(scalar, vector);
            }
        }
    }

    /// <summary>
    /// Every path against (a·x + b) mod (2⁶¹ − 1) computed with big integers, for shingles chosen so that some hash
    /// function's value is 0–3 or p − 4 to p − 1 (where a missed reduction would show), and random ones.
    /// </summary>
    [Fact]
    public void EveryPath_GivesTheExactResidues_AlsoAtTheEdges()
    {
        const ulong p = (1UL << 61) - 1;
        var dedup = new MinHashDeduplicator();
        var random = new Random(61);
        var prime = new System.Numerics.BigInteger(p);
        var lanesAvailable = new List<int> { 1 };
        if (Avx2.IsSupported)
        {
            lanesAvailable.Add(4);
        }

        if (Avx512F.IsSupported)
        {
            lanesAvailable.Add(8);
        }

        for (var k = 0; k < 2000; k++)
        {
            var lane = random.Next(dedup.SignatureLength);
            var target = k % 3 == 2 ? (ulong)random.NextInt64(0, (long)p) : k % 3 == 0 ? (ulong)(k % 4) : p - 1 - (ulong)(k % 4);
            // x = (target − b)·a⁻¹ mod p, plus a multiple of p the hash must reduce first.
            var inverse = System.Numerics.BigInteger.ModPow(dedup.A[lane], p - 2, prime);
            var x = (ulong)(((target + prime - dedup.B[lane]) % prime * inverse) % prime) + (k % 2 == 0 ? 0 : p * (ulong)random.Next(0, 8));
            var expected = Enumerable.Range(0, dedup.SignatureLength)
                .Select(i => (ulong)(((System.Numerics.BigInteger)dedup.A[i] * (x % p) + dedup.B[i]) % prime)).ToArray();
            Assert.Equal(target, expected[lane]);
            foreach (var lanes in lanesAvailable)
            {
                var signature = new ulong[dedup.SignatureLength];
                dedup.Update([x], 0, signature, lanes);

                Assert.Equal(expected, signature);
            }
        }
    }

    [Fact]
    public void ShingleHash_IsXxHash3OfTheWordsBytes()
    {
        var random = new Random(17);
        for (var i = 0; i < 100_000; i++)
        {
            var words = Enumerable.Range(0, 3 + (i % 6)).Select(_ => i % 7 == 0 ? (ulong)random.Next(0, 3) : (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63)).ToArray();

            Assert.Equal(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(words.AsSpan())), MinHashDeduplicator.XxHash3Of3To8Words(words));
        }
    }

    [Fact]
    public void HashWords_AreTheHashesOfTheSplitWords()
    {
        var random = new Random(31);
        for (var i = 0; i < 20_000; i++)
        {
            var text = i % 2 == 0
                ? DuplicateKeysPinnedTests.RandomText(random, random.Next(0, 80))
                : TextNormalizer.Normalize(DuplicateKeysPinnedTests.RandomText(random, random.Next(0, 200)));
            var words = new List<(int Start, int Length)>();
            TextWords.Split(text, words);
            var expected = words.Select(w => XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(text.Substring(w.Start, w.Length)))).ToArray();
            var hashes = new ulong[Math.Max(1, text.Length)];

            var count = MinHashDeduplicator.HashWords(text, hashes);

            Assert.Equal(expected, hashes[..count]);
        }
    }
}
