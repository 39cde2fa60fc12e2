using System.Text.Json.Serialization;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Statistics;

/// <summary>
/// The runs of one grid point over the seeds S, S + 1, …, S + K − 1 (<c>simulate --seeds K</c>), in seed
/// order, and their aggregates: per round and per figure of the run, mean, sample standard deviation and
/// the 95% t interval of the mean (<see cref="SampleSummary"/>).
/// </summary>
internal sealed class SeedRuns
{
    public SeedRuns(IReadOnlyList<SimulationResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        Runs = runs;
        Figures = [.. runs.Select(RunFigures.Of)];
        Rounds = AggregateRounds(runs);
        Summary = new PointSummary(
            SampleSummary.Of([.. Figures.Select(f => (double)f.RoundsRun)]),
            SampleSummary.Of([.. Figures.Where(f => f.RoundsToFullCoverage is not null).Select(f => (double)f.RoundsToFullCoverage!.Value)]),
            SampleSummary.Of([.. Figures.Select(f => f.FinalMeanReach)]),
            SampleSummary.Of([.. Figures.Select(f => f.FinalMinReach)]),
            SampleSummary.Of([.. Figures.Select(f => f.FinalCollectiveIntelligence)]),
            SampleSummary.Of([.. Figures.Select(f => (double)f.Exchanges)]),
            SampleSummary.Of([.. Figures.Select(f => (double)f.BytesExchanged)]),
            Spec.Clock == SimulationClock.Rounds ? null : SampleSummary.Of([.. Figures.Where(f => f.Times?.To99 is not null).Select(f => f.Times!.To99!.Value)]),
            Spec.Clock == SimulationClock.Rounds ? null : SampleSummary.Of([.. Figures.Where(f => f.Times?.ToFullCoverage is not null).Select(f => f.Times!.ToFullCoverage!.Value)]));
    }

    /// <summary>The runs, first seed first.</summary>
    public IReadOnlyList<SimulationResult> Runs { get; }

    /// <summary>The grid point's spec with the first seed.</summary>
    public SimulationSpec Spec => Runs[0].Spec;

    /// <summary>What each run ended with, in seed order.</summary>
    public IReadOnlyList<RunFigures> Figures { get; }

    /// <summary>
    /// One summary per round, over the runs that ran it (with --until-converged a run stops when it
    /// converges, so late rounds may have fewer: <see cref="RoundSummary.N"/>).
    /// </summary>
    public IReadOnlyList<RoundSummary> Rounds { get; }

    /// <summary>The figures of <see cref="Figures"/> over the seeds; rounds to full coverage over the runs that got there.</summary>
    public PointSummary Summary { get; }

    private static List<RoundSummary> AggregateRounds(IReadOnlyList<SimulationResult> runs)
    {
        var longest = runs.Max(r => r.Rounds.Count);
        var rounds = new List<RoundSummary>(longest);
        for (var i = 0; i < longest; i++)
        {
            var at = runs.Where(r => r.Rounds.Count > i).Select(r => r.Rounds[i]).ToList();
            rounds.Add(new RoundSummary(
                at[0].Round,
                at.Count,
                SampleSummary.Of([.. at.Select(r => r.MeanReach)]),
                SampleSummary.Of([.. at.Select(r => r.MinReach)]),
                SampleSummary.Of([.. at.Select(r => r.P50Reach)]),
                SampleSummary.Of([.. at.Select(r => r.StdReach)]),
                SampleSummary.Of([.. at.Select(r => r.CollectiveIntelligence)]),
                SampleSummary.Of([.. at.Select(r => (double)r.Exchanges)]),
                SampleSummary.Of([.. at.Select(r => (double)r.BytesExchanged)])));
        }

        return rounds;
    }
}

/// <summary>What one run ended with: the figures a sweep reports per grid point (with an asynchronous clock, when it crossed the thresholds).</summary>
internal sealed record RunFigures(
    ulong Seed,
    int RoundsRun,
    int? RoundsToFullCoverage,
    double FinalMeanReach,
    double FinalMinReach,
    double FinalCollectiveIntelligence,
    long Exchanges,
    long BytesExchanged,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ReachTimes? Times = null)
{
    public static RunFigures Of(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var last = result.Rounds[^1];
        return new RunFigures(
            result.Spec.Seed,
            result.Rounds.Count - 1,
            result.RoundsToFullCoverage,
            last.MeanReach,
            last.MinReach,
            last.CollectiveIntelligence,
            result.Rounds.Sum(r => r.Exchanges),
            result.Rounds.Sum(r => r.BytesExchanged),
            result.Times);
    }
}

/// <summary>Every metric of one round over the runs that ran it.</summary>
internal sealed record RoundSummary(
    int Round,
    int N,
    SampleSummary MeanReach,
    SampleSummary MinReach,
    SampleSummary P50Reach,
    SampleSummary StdReach,
    SampleSummary CollectiveIntelligence,
    SampleSummary Exchanges,
    SampleSummary BytesExchanged,
    SampleSummary? TimeTo99 = null,
    SampleSummary? TimeToFullCoverage = null);

/// <summary>The figures of <see cref="RunFigures"/> over the seeds of a grid point; with an asynchronous clock the times (seconds) over the runs that got there.</summary>
internal sealed record PointSummary(
    SampleSummary RoundsRun,
    SampleSummary RoundsToFullCoverage,
    SampleSummary FinalMeanReach,
    SampleSummary FinalMinReach,
    SampleSummary FinalCollectiveIntelligence,
    SampleSummary Exchanges,
    SampleSummary BytesExchanged,
    SampleSummary? TimeTo99 = null,
    SampleSummary? TimeToFullCoverage = null);
