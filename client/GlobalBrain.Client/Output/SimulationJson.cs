using System.Text.Json;
using System.Text.Json.Serialization;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <summary>
/// The object <c>simulate --json</c> prints: flat camelCase parameters first, then the rounds of one run or a
/// summary per grid point of a sweep. No timings, so that its bytes depend only on the parameters and the seed.
/// With an asynchronous clock the parameters add <c>clock</c> and <c>loss</c>, a run has <c>samples</c> (the state
/// every 1/v seconds, each with its <c>time</c>) in place of <c>rounds</c>, and <c>times</c> says when, in seconds,
/// mean reach reached 99% (<c>to99</c>) and everyone held everything (<c>toFullCoverage</c>), null if not in the run.
/// <c>churn</c> and <c>faults</c> appear only when set, so that runs without them keep their bytes.
/// </summary>
internal static partial class SimulationJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>One run: its parameters, every round, and when everyone held everything.</summary>
    public static string Run(SimulationResult result) => JsonSerializer.Serialize(RunReport.From(result), Options);

    /// <summary>A sweep: one summary per grid point, in grid order.</summary>
    public static string Sweep(IReadOnlyList<SimulationResult> results) => JsonSerializer.Serialize(new SweepReport([.. results.Select(SweepPoint.From)]), Options);

    /// <summary>A run's parameters as its JSON reports them (topology and scenario parameters only where they apply).</summary>
    private record RunParameters(
        long Experts,
        double FlowRate,
        string Mode,
        string Topology,
        int? K,
        double? Beta,
        int? M,
        string Scenario,
        int? ItemsPerExpert,
        int? ExchangeCap,
        ulong Seed,
        int MaxRounds,
        bool UntilConverged,
        double Epsilon,
        long DistinctItems,
        Int128 TopologyEdges,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Clock,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Loss,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Churn,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] FaultSettings? Faults)
    {
        public static RunParameters Of(SimulationResult result)
        {
            var spec = result.Spec;
            var kind = spec.Topology.Kind;
            return new RunParameters(
                spec.Experts,
                spec.FlowRate,
                spec.Mode.Name(),
                kind.Name(),
                kind is TopologyKind.Ring or TopologyKind.SmallWorld ? spec.Topology.K : null,
                kind == TopologyKind.SmallWorld ? spec.Topology.Beta : null,
                kind == TopologyKind.ScaleFree ? spec.Topology.M : null,
                spec.Scenario.Name(),
                spec.Scenario == ScenarioKind.Items ? spec.ItemsPerExpert : null,
                spec.ExchangeCap,
                spec.Seed,
                spec.MaxRounds,
                spec.UntilConverged,
                spec.Epsilon,
                result.DistinctItems,
                result.TopologyEdges,
                spec.Clock == SimulationClock.Rounds ? null : spec.Clock.Name(),
                spec.Clock == SimulationClock.Rounds ? null : spec.Loss,
                spec.Churn > 0 ? spec.Churn : null,
                spec.Faults is { } faults ? FaultSettings.Of(faults) : null);
        }
    }

    /// <summary>The GlobalBrain:Faults settings of a run, by their setting names (MaxDelay in seconds).</summary>
    private sealed record FaultSettings(double DropProbability, double DuplicateProbability, double DelayProbability, double MaxDelaySeconds, double ReorderProbability, double DeactivateProbability, ulong Seed)
    {
        public static FaultSettings Of(SimulationFaults faults) => new(
            faults.Rates.Drop, faults.Rates.Duplicate, faults.Rates.Delay, faults.MaxDelaySeconds, faults.Rates.Reorder, faults.Rates.Deactivate, faults.Seed);
    }

    /// <summary>The object of one run.</summary>
    private sealed record RunReport : RunParameters
    {
        private RunReport(RunParameters parameters)
            : base(parameters)
        {
        }

        [JsonPropertyOrder(1)]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<RoundStats>? Rounds { get; init; }

        [JsonPropertyOrder(1)]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<TimedSample>? Samples { get; init; }

        [JsonPropertyOrder(2)]
        public int? RoundsToFullCoverage { get; init; }

        [JsonPropertyOrder(3)]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public ReachTimes? Times { get; init; }

        public static RunReport From(SimulationResult result) => new(Of(result))
        {
            Rounds = result.Times is null ? result.Rounds : null,
            Samples = result.Times is null ? null : [.. result.Rounds.Select(r => TimedSample.Of(result.Spec, r))],
            RoundsToFullCoverage = result.RoundsToFullCoverage,
            Times = result.Times,
        };
    }

    /// <summary>The state at <see cref="Time"/> seconds (an asynchronous clock's round), exchanges and bytes since the sample before.</summary>
    private sealed record TimedSample(double Time, double MeanReach, double MinReach, double P50Reach, double StdReach, double CollectiveIntelligence, long Exchanges, long BytesExchanged)
    {
        public static TimedSample Of(SimulationSpec spec, RoundStats r) =>
            new(SimulationLabels.Time(spec, r.Round), r.MeanReach, r.MinReach, r.P50Reach, r.StdReach, r.CollectiveIntelligence, r.Exchanges, r.BytesExchanged);
    }

    /// <summary>The object of a sweep.</summary>
    private sealed record SweepReport(IReadOnlyList<SweepPoint> Sweep);

    /// <summary>One grid point of a sweep: its parameters and the state after the last round.</summary>
    private sealed record SweepPoint : RunParameters
    {
        private SweepPoint(RunParameters parameters)
            : base(parameters)
        {
        }

        [JsonPropertyOrder(1)]
        public int RoundsRun { get; init; }

        [JsonPropertyOrder(2)]
        public int? RoundsToFullCoverage { get; init; }

        [JsonPropertyOrder(3)]
        public double FinalMeanReach { get; init; }

        [JsonPropertyOrder(4)]
        public double FinalMinReach { get; init; }

        [JsonPropertyOrder(5)]
        public double FinalCollectiveIntelligence { get; init; }

        [JsonPropertyOrder(6)]
        public long Exchanges { get; init; }

        [JsonPropertyOrder(7)]
        public long BytesExchanged { get; init; }

        [JsonPropertyOrder(8)]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public ReachTimes? Times { get; init; }

        public static SweepPoint From(SimulationResult result)
        {
            var last = result.Rounds[^1];
            return new SweepPoint(Of(result))
            {
                RoundsRun = result.Rounds.Count - 1,
                RoundsToFullCoverage = result.RoundsToFullCoverage,
                FinalMeanReach = last.MeanReach,
                FinalMinReach = last.MinReach,
                FinalCollectiveIntelligence = last.CollectiveIntelligence,
                Exchanges = result.Rounds.Sum(r => r.Exchanges),
                BytesExchanged = result.Rounds.Sum(r => r.BytesExchanged),
                Times = result.Times,
            };
        }
    }
}
