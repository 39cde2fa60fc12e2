using System.Text.Json;
using System.Text.Json.Serialization;
using GlobalBrain.Client.Statistics;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <remarks>
/// With <c>--seeds K</c> (K &gt; 1) every metric becomes a statistic over the seeds,
/// <c>{"mean":…,"sd":…,"ci95":[low,high],"n":…}</c> (sd and ci95 null when n &lt; 2, all null when n = 0), the parameters
/// say the first seed and <c>seeds</c> K, and <c>runs</c> lists what each seed's run ended with, in seed order.
/// With an asynchronous clock each round adds its <c>time</c>, and the point <c>timeTo99</c> and
/// <c>timeToFullCoverage</c> (seconds, over the runs that got there).
/// </remarks>
internal static partial class SimulationJson
{
    /// <summary>One grid point over K seeds: the parameters, every round as statistics, the run's figures as statistics, and each seed's figures.</summary>
    public static string Seeds(SeedRuns point) => JsonSerializer.Serialize(SeededRunReport.WithRounds(point), Options);

    /// <summary>A sweep over K seeds: one <see cref="Seeds(SeedRuns)"/> object without its rounds per grid point, in grid order.</summary>
    public static string SeedsSweep(IReadOnlyList<SeedRuns> points) => JsonSerializer.Serialize(new SeededSweepReport([.. points.Select(SeededPoint.From)]), Options);

    /// <summary>A metric over the seeds.</summary>
    private sealed record Stat(double? Mean, double? Sd, double[]? Ci95, int N)
    {
        public static Stat Of(SampleSummary s) => new(s.Mean, s.Sd, s.Ci95Low is { } low && s.Ci95High is { } high ? [low, high] : null, s.N);
    }

    /// <summary>One round over the seeds that ran it.</summary>
    private sealed record SeededRound(
        int Round,
        int N,
        Stat MeanReach,
        Stat MinReach,
        Stat P50Reach,
        Stat StdReach,
        Stat CollectiveIntelligence,
        Stat Exchanges,
        Stat BytesExchanged,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Time)
    {
        public static SeededRound Of(SimulationSpec spec, RoundSummary r) => new(
            r.Round,
            r.N,
            Stat.Of(r.MeanReach),
            Stat.Of(r.MinReach),
            Stat.Of(r.P50Reach),
            Stat.Of(r.StdReach),
            Stat.Of(r.CollectiveIntelligence),
            Stat.Of(r.Exchanges),
            Stat.Of(r.BytesExchanged),
            spec.Clock == SimulationClock.Rounds ? null : SimulationLabels.Time(spec, r.Round));
    }

    private sealed record SeededSweepReport(IReadOnlyList<SeededPoint> Sweep);

    /// <summary>A grid point over the seeds: its parameters (the first seed), K, the figures as statistics and per seed.</summary>
    private record SeededPoint : RunParameters
    {
        protected SeededPoint(RunParameters parameters)
            : base(parameters)
        {
        }

        [JsonPropertyOrder(1)]
        public int Seeds { get; init; }

        [JsonPropertyOrder(3)]
        public Stat? RoundsRun { get; init; }

        [JsonPropertyOrder(4)]
        public Stat? RoundsToFullCoverage { get; init; }

        [JsonPropertyOrder(5)]
        public Stat? FinalMeanReach { get; init; }

        [JsonPropertyOrder(6)]
        public Stat? FinalMinReach { get; init; }

        [JsonPropertyOrder(7)]
        public Stat? FinalCollectiveIntelligence { get; init; }

        [JsonPropertyOrder(8)]
        public Stat? Exchanges { get; init; }

        [JsonPropertyOrder(9)]
        public Stat? BytesExchanged { get; init; }

        [JsonPropertyOrder(10)]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public Stat? TimeTo99 { get; init; }

        [JsonPropertyOrder(11)]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public Stat? TimeToFullCoverage { get; init; }

        [JsonPropertyOrder(20)]
        public IReadOnlyList<RunFigures> Runs { get; init; } = [];

        public static SeededPoint From(SeedRuns point) => Fill(new SeededPoint(Of(point.Runs[0])), point);

        /// <summary>The figures of <paramref name="point"/> on a copy of <paramref name="target"/> (of its own type: records copy virtually).</summary>
        protected static SeededPoint Fill(SeededPoint target, SeedRuns point)
        {
            var s = point.Summary;
            return target with
            {
                Seeds = point.Runs.Count,
                RoundsRun = Stat.Of(s.RoundsRun),
                RoundsToFullCoverage = Stat.Of(s.RoundsToFullCoverage),
                FinalMeanReach = Stat.Of(s.FinalMeanReach),
                FinalMinReach = Stat.Of(s.FinalMinReach),
                FinalCollectiveIntelligence = Stat.Of(s.FinalCollectiveIntelligence),
                Exchanges = Stat.Of(s.Exchanges),
                BytesExchanged = Stat.Of(s.BytesExchanged),
                TimeTo99 = s.TimeTo99 is { } to99 ? Stat.Of(to99) : null,
                TimeToFullCoverage = s.TimeToFullCoverage is { } toFull ? Stat.Of(toFull) : null,
                Runs = point.Figures,
            };
        }
    }

    /// <summary>One grid point over the seeds with its rounds.</summary>
    private sealed record SeededRunReport : SeededPoint
    {
        private SeededRunReport(RunParameters parameters)
            : base(parameters)
        {
        }

        [JsonPropertyOrder(2)]
        public IReadOnlyList<SeededRound> Rounds { get; init; } = [];

        public static SeededRunReport WithRounds(SeedRuns point) =>
            (SeededRunReport)Fill(new SeededRunReport(Of(point.Runs[0])), point) with { Rounds = [.. point.Rounds.Select(r => SeededRound.Of(point.Spec, r))] };
    }
}
