using CsCheck;
using GlobalBrain.Domain.Metrics;
using Xunit;

namespace GlobalBrain.Domain.Tests.Metrics;

public sealed class CollectiveMetricsTests
{
    private const int Digits = 12;

    [Fact]
    public void Compute_OfAnEvenNumberOfExperts_AveragesTheMiddleTwoForTheMedian()
    {
        var summary = ReachSummary.Compute([40, 10, 30, 20], union: 50);

        // Reaches 0.8, 0.2, 0.6, 0.4: deviations from 0.5 are ±0.3 and ±0.1.
        Assert.Equal(4, summary.Experts);
        Assert.Equal(50, summary.DistinctItems);
        Assert.Equal(0.5, summary.MeanReach, Digits);
        Assert.Equal(0.2, summary.MinReach, Digits);
        Assert.Equal(0.5, summary.MedianReach, Digits);
        Assert.Equal(Math.Sqrt(0.05), summary.StdReach, Digits);
        Assert.Equal(100, summary.CollectiveIntelligence, Digits);
    }

    [Fact]
    public void Compute_OfAnOddNumberOfExperts_TakesTheMiddleForTheMedian()
    {
        var summary = ReachSummary.Compute([5, 50, 20], union: 100);

        // Reaches 0.05, 0.5, 0.2; mean 0.25; squared deviations 0.04, 0.0625, 0.0025.
        Assert.Equal(3, summary.Experts);
        Assert.Equal(0.25, summary.MeanReach, Digits);
        Assert.Equal(0.05, summary.MinReach, Digits);
        Assert.Equal(0.2, summary.MedianReach, Digits);
        Assert.Equal(Math.Sqrt(0.035), summary.StdReach, Digits);
        Assert.Equal(75, summary.CollectiveIntelligence, Digits);
    }

    [Fact]
    public void Compute_AfterALargerComputation_IsNotTouchedByItsLeftovers()
    {
        // The reaches are sorted in a pooled array (at least 16 long), which the next computation gets back with
        // the last one's values beyond its own length: a smaller summary after a larger one sees only its own experts.
        _ = ReachSummary.Compute([.. Enumerable.Repeat(0.0, 16)], union: 10);
        var summary = ReachSummary.Compute([9, 1, 5], union: 10);

        // Reaches 0.9, 0.1, 0.5: mean 0.5, deviations ±0.4 and 0.
        Assert.Equal(3, summary.Experts);
        Assert.Equal(0.5, summary.MeanReach, Digits);
        Assert.Equal(Math.Sqrt(0.32 / 3), summary.StdReach, Digits);
        Assert.Equal(15, summary.CollectiveIntelligence, Digits);
        Assert.Equal(0.1, summary.MinReach, Digits);
        Assert.Equal(0.5, summary.MedianReach, Digits);
    }

    [Fact]
    public void Compute_OfOneExpertHoldingEverything_HasFullReachAndNoSpread()
    {
        var summary = ReachSummary.Compute([1234.5], union: 1234.5);

        Assert.Equal(new ReachSummary(1, 1234.5, 1, 1, 1, 0, 1234.5), summary);
    }

    [Fact]
    public void Compute_ClampsKnowledgeAboveTheUnionAndBelowZero()
    {
        var summary = ReachSummary.Compute([120, 60, -5], union: 100);

        // Clamped to 100, 60, 0: reaches 1, 0.6, 0.
        Assert.Equal(1.6 / 3, summary.MeanReach, Digits);
        Assert.Equal(0, summary.MinReach, Digits);
        Assert.Equal(0.6, summary.MedianReach, Digits);
        Assert.Equal(160, summary.CollectiveIntelligence, Digits);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-3.0)]
    public void Compute_WithNothingKnown_GivesZeroReach(double union)
    {
        var summary = ReachSummary.Compute([0, 3, 7], union);

        Assert.Equal(new ReachSummary(3, 0, 0, 0, 0, 0, 0), summary);
    }

    [Fact]
    public void Compute_OfNoExperts_Throws()
    {
        Assert.Throws<ArgumentException>(() => ReachSummary.Compute([], union: 10));
    }

    [Fact]
    public void CollectiveIntelligence_StaysWithinExpertsTimesDistinctItems_WhenRoundingWouldPassIt()
    {
        // Found by the property below (seed d4EH7hHUE6F7): four experts clamped to I and two near it summed to an ulp over N·I.
        double union = 893015027d / 75;
        var summary = ReachSummary.Compute([21957431.77212725, 22055760.350688577, 23127607, 14806307.108603396, 17297472.670430392, 12193841], union);

        Assert.InRange(summary.CollectiveIntelligence, 0, summary.Experts * union);
    }

    [Fact]
    public void CollectiveIntelligence_EqualsExpertsTimesMeanReachTimesDistinctItems()
    {
        var gen = Gen.Double[1, 1e9].SelectMany(union => Gen.Select(Gen.Double[0, 2 * union].Array[1, 50], Gen.Const(union)));
        gen.Sample((knowledge, union) =>
        {
            var summary = ReachSummary.Compute(knowledge, union);

            var product = summary.Experts * summary.MeanReach * summary.DistinctItems;
            Assert.True(
                Math.Abs(summary.CollectiveIntelligence - product) <= 1e-9 * Math.Max(1, summary.CollectiveIntelligence),
                $"C = {summary.CollectiveIntelligence}, N·C̄·I = {product}");
            Assert.InRange(summary.MinReach, 0, 1);
            Assert.InRange(summary.MedianReach, summary.MinReach, 1);
            Assert.InRange(summary.MeanReach, summary.MinReach, 1);
            Assert.InRange(summary.CollectiveIntelligence, 0, summary.Experts * union);
        }, iter: 1_000);
    }
}
