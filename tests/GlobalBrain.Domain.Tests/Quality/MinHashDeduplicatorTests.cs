using GlobalBrain.Domain.Quality;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Quality;

/// <summary>
/// Acceptance: planted near-duplicates at known Jaccard similarities are found as often as the analytic LSH
/// S-curve says, and planted exact duplicates (case, punctuation, spacing variants) share one hash.
/// </summary>
public sealed class MinHashDeduplicatorTests(ITestOutputHelper output)
{
    private const int Words = 120;
    private const int PairsPerLevel = 150;
    private static readonly double[] Levels = [0.0, 0.2, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0];

    [Theory]
    [InlineData("Héllo,   WORLD!!\n123-456 times", "hello world 0 times")]
    [InlineData("ＦＵＬＬ　ｗｉｄｔｈ：ＯＫ", "full widthok")]
    [InlineData("  «Ça», dit-il — 2,5 %… ", "ca ditil 0")]
    [InlineData("宝玉道：“好。”", "宝玉道好")]
    public void Normalize_LowercasesStripsPunctuationDiacriticsAndDigitRuns(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(text));

    [Fact]
    public void ExactHash_IsStableAcrossProcesses_AndIgnoresFormatting()
    {
        // Pinned: the key must not change between runs, processes or versions, or the durable seen-set breaks.
        Assert.Equal(UInt128.Parse("297150157938599054391163723952090887879", System.Globalization.CultureInfo.InvariantCulture), TextNormalizer.ExactHash("Hello, World!"));
        Assert.Equal(TextNormalizer.ExactHash("Hello, World!"), TextNormalizer.ExactHash("  hello   WORLD "));
        Assert.NotEqual(TextNormalizer.ExactHash("Hello, World!"), TextNormalizer.ExactHash("Hello, Word!"));
    }

    [Fact]
    public void ExactDuplicates_Planted_AreFoundAndOnlyThey()
    {
        var random = new Random(19);
        var originals = Enumerable.Range(0, 2000).Select(_ => RandomText(random, 30)).ToList();
        var seen = new HashSet<UInt128>();
        var duplicates = 0;
        var planted = 0;
        foreach (var original in originals)
        {
            duplicates += seen.Add(TextNormalizer.ExactHash(original)) ? 0 : 1;
            if (random.Next(4) == 0)
            {
                planted++;
                var variant = original.ToUpperInvariant().Replace(" ", "  \n", StringComparison.Ordinal) + " !!";
                duplicates += seen.Add(TextNormalizer.ExactHash(variant)) ? 0 : 1;
            }
        }

        output.WriteLine($"{originals.Count} distinct texts, {planted} planted variants, {duplicates} found");
        Assert.Equal(planted, duplicates);
    }

    [Fact]
    public void Signature_IsDeterministic_AndDefaultsAreDatatroves()
    {
        var first = new MinHashDeduplicator();
        var second = new MinHashDeduplicator(new MinHashOptions());
        const string text = "the quick brown fox jumps over the lazy dog near the river bank";

        Assert.Equal(112, first.SignatureLength);
        Assert.Equal(first.Signature(text), second.Signature(text));
        Assert.Equal(first.BandKeys(first.Signature(text)), second.BandKeys(second.Signature(text)));
        Assert.NotEqual(first.Signature(text), new MinHashDeduplicator(new MinHashOptions(Seed: 2)).Signature(text));
        Assert.Equal(14, first.BandKeys(first.Signature(text)!).Length);
        Assert.Null(first.Signature(" ,.!? "));
        Assert.Equal(0.719, first.Threshold, 3);
        Assert.Equal(0.924, first.CandidateProbability(0.8), 3);
        Assert.Equal(0.053, first.CandidateProbability(0.5), 3);
    }

    /// <summary>
    /// Pairs of 120-word texts of distinct random words, the second with a block of words replaced so that
    /// the 5-gram shingle sets have a chosen Jaccard similarity s (computed exactly here from the word
    /// n-grams, independently of the library). For each level the number of pairs that share a band is a
    /// sum of independent Bernoulli(P(sᵢ)) with P the S-curve, so it must lie within 4 standard deviations
    /// (√Σp(1−p)) of Σp, plus one pair for the discreteness: a false alarm about 1 in 15,000 per level if
    /// the hashing were ideal, and a real gap if the hash family were biased.
    /// </summary>
    [Fact]
    public void NearDuplicates_FoundAsTheAnalyticSCurvePredicts()
    {
        var dedup = new MinHashDeduplicator();
        var random = new Random(2024);
        var failures = new List<string>();
        int truePositives = 0, positives = 0, falsePositives = 0, negatives = 0;
        double expectedPositives = 0, expectedFalsePositives = 0;
        output.WriteLine("target s | mean exact s | pairs | flagged | expected (S-curve) | tolerance");
        foreach (var level in Levels)
        {
            var flagged = 0;
            double expected = 0, variance = 0, jaccardSum = 0;
            for (var p = 0; p < PairsPerLevel; p++)
            {
                var (a, b) = Pair(random, level);
                var jaccard = ExactJaccard(a, b);
                var candidate = dedup.BandKeys(dedup.Signature(a)!).Intersect(dedup.BandKeys(dedup.Signature(b)!)).Any();
                var probability = dedup.CandidateProbability(jaccard);
                flagged += candidate ? 1 : 0;
                expected += probability;
                variance += probability * (1 - probability);
                jaccardSum += jaccard;
                if (jaccard >= 0.8)
                {
                    positives++;
                    truePositives += candidate ? 1 : 0;
                    expectedPositives += probability;
                }
                else if (jaccard < 0.6)
                {
                    negatives++;
                    falsePositives += candidate ? 1 : 0;
                    expectedFalsePositives += probability;
                }
            }

            var tolerance = (4 * Math.Sqrt(variance)) + 1;
            output.WriteLine($"{level,8:F2} | {jaccardSum / PairsPerLevel,12:F3} | {PairsPerLevel,5} | {flagged,7} | {expected,18:F1} | ±{tolerance:F1}");
            if (Math.Abs(flagged - expected) > tolerance)
            {
                failures.Add($"s≈{level}: {flagged} flagged, S-curve expects {expected:F1} ± {tolerance:F1}");
            }
        }

        var recall = (double)truePositives / positives;
        var precision = (double)truePositives / (truePositives + falsePositives);
        output.WriteLine($"near duplicates (exact s ≥ 0.8): recall {recall:P1} ({truePositives}/{positives}), S-curve expects {expectedPositives / positives:P1}");
        output.WriteLine($"distinct (s < 0.6): {falsePositives}/{negatives} flagged, S-curve expects {expectedFalsePositives:F1}; precision {precision:P1} (pairs 0.6 ≤ s < 0.8 left out)");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(recall >= 0.95, $"recall {recall:P1}");
        Assert.True(precision >= 0.97, $"precision {precision:P1}");
    }

    [Fact]
    public void NearDuplicateIndex_KeepsTheFirstSeen_AndToleratesRetries()
    {
        var dedup = new MinHashDeduplicator();
        var random = new Random(7);
        var original = string.Join(' ', Enumerable.Range(0, Words).Select(_ => RandomWord(random)));
        var edited = original.Replace(original.Split(' ')[60], "changed", StringComparison.Ordinal);
        var unrelated = string.Join(' ', Enumerable.Range(0, Words).Select(_ => RandomWord(random)));
        var index = new NearDuplicateIndex();

        Assert.Null(index.Add("a", dedup.BandKeys(dedup.Signature(original)!)));
        Assert.Null(index.Add("a", dedup.BandKeys(dedup.Signature(original)!)));
        Assert.Equal("a", index.Add("b", dedup.BandKeys(dedup.Signature(edited)!)));
        Assert.Null(index.Add("c", dedup.BandKeys(dedup.Signature(unrelated)!)));
    }

    private static (string A, string B) Pair(Random random, double level)
    {
        var a = Enumerable.Range(0, Words).Select(_ => RandomWord(random)).ToArray();
        if (level == 0)
        {
            return (string.Join(' ', a), string.Join(' ', Enumerable.Range(0, Words).Select(_ => RandomWord(random))));
        }

        // An interior block of m replaced words removes m + 4 of the N − 4 shingles from the shared set.
        const int shingles = Words - 4;
        var shared = (int)Math.Round(2 * level * shingles / (1 + level));
        var m = Math.Max(0, shingles - shared - 4);
        var b = (string[])a.Clone();
        if (level < 1)
        {
            m = Math.Max(1, m);
            var start = random.Next(1, Words - m);
            for (var i = start; i < start + m; i++)
            {
                b[i] = RandomWord(random);
            }
        }

        return (string.Join(' ', a), string.Join(' ', b));
    }

    private static double ExactJaccard(string a, string b)
    {
        static HashSet<string> Shingles(string text)
        {
            var words = text.Split(' ');
            return [.. Enumerable.Range(0, words.Length - 4).Select(i => string.Join(' ', words, i, 5))];
        }

        var x = Shingles(a);
        var y = Shingles(b);
        var intersection = x.Count(y.Contains);
        return (double)intersection / (x.Count + y.Count - intersection);
    }

    private static string RandomWord(Random random) =>
        string.Create(random.Next(6, 10), random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + r.Next(26));
            }
        });

    private static string RandomText(Random random, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(_ => RandomWord(random)));
}
