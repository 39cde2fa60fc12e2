using GlobalBrain.Client.Cli;
using GlobalBrain.Client.Output;
using GlobalBrain.Client.Statistics;
using GlobalBrain.Domain.Simulation;
using Xunit;

namespace GlobalBrain.Client.Tests;

/// <summary>The aggregation of <c>simulate --seeds</c> runs of unequal length, and the plot it draws.</summary>
public sealed class SeedRunsTests
{
    private static readonly SimulationSpec Spec = new(10, 1, ExchangeMode.PushPull, new TopologySpec(TopologyKind.Complete, 2, 0.1, 3), ScenarioKind.Rumor, 5, 100, UntilConverged: true);

    [Fact]
    public void Rounds_AreOverTheRunsThatRanThem_AndCoverageOverTheRunsThatGotThere()
    {
        var points = new SeedRuns([Run(5, [0.1, 0.5, 1.0], covered: 2), Run(6, [0.1, 0.3, 0.7, 1.0], covered: 3), Run(7, [0.1, 0.4], covered: null)]);

        Assert.Equal([3, 3, 2, 1], points.Rounds.Select(r => r.N));
        Assert.Equal(0.4, points.Rounds[1].MeanReach.Mean!.Value, 1e-12);
        Assert.Equal(0.1, points.Rounds[1].MeanReach.Sd!.Value, 1e-12);
        Assert.Equal(new SampleSummary(1.0, null, null, null, 1), points.Rounds[3].MeanReach);
        Assert.Equal(2, points.Summary.RoundsToFullCoverage.N);
        Assert.Equal(2.5, points.Summary.RoundsToFullCoverage.Mean!.Value, 1e-12);
        Assert.Equal([5UL, 6UL, 7UL], points.Figures.Select(f => f.Seed));
        Assert.Equal([2, 3, 1], points.Figures.Select(f => f.RoundsRun));
    }

    [Fact]
    public void Plot_DrawsBands_WithTheLegendOutside_AndWholeRoundTicks()
    {
        var points = new SeedRuns([Run(5, [0.1, 0.5, 1.0], covered: 2), Run(6, [0.1, 0.3, 0.7], covered: null)]);

        var curves = ReachCurves.Seeds(PlotAxis.Round, SimulationGrid.Of(Spec), [points]);

        Assert.True(curves.IntegerX);
        Assert.True(curves.LegendOutside);
        Assert.Contains("seeds 5–6", curves.Title, StringComparison.Ordinal);
        var mean = curves.Series[0];
        Assert.Equal([0.1, 0.4, 0.85], mean.Y.Select(y => Math.Round(y, 12)));
        Assert.All(Enumerable.Range(0, mean.Y.Count), i => Assert.InRange(mean.Y[i], mean.Low![i], mean.High![i]));
        Assert.True(mean.High![1] > mean.Low![1]);
        Assert.Equal(0.1, mean.Low![0], 12); // no spread: the band closes on the mean
        Assert.True(curves.RenderPng().Length > 1000);
    }

    private static SimulationResult Run(ulong seed, double[] meanReach, int? covered) => new(
        Spec with { Seed = seed },
        1,
        45,
        [.. meanReach.Select((m, round) => new RoundStats(round, m, m >= 1 ? 1 : 0, m, 0, m * 10, round == 0 ? 0 : 10, round * 8))],
        covered);
}
