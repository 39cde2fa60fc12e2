using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <summary>The table <c>simulate</c> prints without --json: the rounds of one run, or one row per grid point of a sweep.</summary>
internal static partial class SimulationTable
{
    private const int MaxTableRows = 40;

    /// <summary>A row per round, every nth past <see cref="MaxTableRows"/> (the last always), and a line saying so.</summary>
    private static void AppendRounds<T>(StringBuilder text, IReadOnlyList<T> rounds, Func<T, string> row)
    {
        var step = Math.Max(1, (rounds.Count + MaxTableRows - 1) / MaxTableRows);
        for (var i = 0; i < rounds.Count; i++)
        {
            if (i % step == 0 || i == rounds.Count - 1)
            {
                text.Append(row(rounds[i]));
            }
        }

        if (step > 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"  (every {step}th round of {rounds.Count - 1:N0}; --csv FILE has them all)\n");
        }
    }

    /// <summary>The first column's heading: the round, or for an asynchronous clock the sample's time.</summary>
    private static string StepHeader(SimulationSpec spec) => spec.Clock == SimulationClock.Rounds ? "  round" : "    t (s)";

    /// <summary>The first column of a row: round k, or for an asynchronous clock its time k/v.</summary>
    private static string Step(SimulationSpec spec, int round) => spec.Clock == SimulationClock.Rounds
        ? string.Create(CultureInfo.InvariantCulture, $"  {round,5}")
        : string.Create(CultureInfo.InvariantCulture, $"  {SimulationLabels.Time(spec, round),7:G5}");

    /// <summary>One run: a row per round (every nth round when there are more than 40), coverage and speed.</summary>
    public static string Run(SimulationResult result, double seconds)
    {
        var spec = result.Spec;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"GlobalBrain simulation: N = {spec.Experts:N0}, v = {spec.FlowRate:G}, {spec.Mode.Name()}, {SimulationLabels.Topology(spec.Topology)}, {spec.Scenario.Name()} (I = {result.DistinctItems:N0}), seed {spec.Seed}{SimulationLabels.Clock(spec)}\n");
        text.Append(StepHeader(spec) + "   mean reach   min reach   p50 reach   std reach   collective intelligence     exchanges   bytes exchanged\n");
        var rounds = result.Rounds;
        AppendRounds(text, rounds, r => string.Create(CultureInfo.InvariantCulture,
            $"{Step(spec, r.Round)}   {r.MeanReach,10:F4}   {r.MinReach,9:F4}   {r.P50Reach,9:F4}   {r.StdReach,9:F4}   {r.CollectiveIntelligence,23:N0}   {r.Exchanges,11:N0}   {r.BytesExchanged,15:N0}\n"));

        var exchanges = rounds.Sum(r => r.Exchanges);
        var everyone = $"  everyone holds everything{(spec.Epsilon > 0 ? $" (min reach ≥ {1 - spec.Epsilon:G})" : string.Empty)}";
        if (result.Times is { } times)
        {
            text.Append(CultureInfo.InvariantCulture, $"  mean reach ≥ 99% {SimulationLabels.At(spec, times.To99) ?? "not yet"}\n");
            text.Append(SimulationLabels.At(spec, times.ToFullCoverage) is { } at
                ? $"{everyone} {at}\n"
                : string.Create(CultureInfo.InvariantCulture, $"  not everyone holds everything within {SimulationLabels.Time(spec, rounds[^1].Round):G6} s\n"));
        }
        else
        {
            text.Append(result.RoundsToFullCoverage is { } full
                ? string.Create(CultureInfo.InvariantCulture, $"{everyone} after {full:N0} rounds\n")
                : "  not everyone holds everything yet\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"  {seconds:F2} s, {exchanges / Math.Max(seconds, 1e-9):N0} exchanges/s\n");
        return text.ToString();
    }

    /// <summary>A sweep: what every grid point shares in the heading, then a row per point with its state after the last round.</summary>
    public static string Sweep(IReadOnlyList<SimulationResult> results, double seconds)
    {
        var spec = results[0].Spec;
        // k, β and m are the same at every point: say them once, for the swept topologies that have them.
        var topologyParameters = results
            .Select(r => r.Spec.Topology.Kind)
            .Distinct()
            .Where(kind => kind != TopologyKind.Complete)
            .Select(kind => SimulationLabels.Topology(spec.Topology with { Kind = kind }))
            .ToList();
        var scenario = spec.Scenario switch
        {
            ScenarioKind.Items => string.Create(CultureInfo.InvariantCulture, $"items ({spec.ItemsPerExpert} per expert)"),
            _ => spec.Scenario.Name(),
        };
        var cap = spec.ExchangeCap is { } c ? string.Create(CultureInfo.InvariantCulture, $", exchange cap {c:N0}") : string.Empty;
        var timed = spec.Clock != SimulationClock.Rounds;
        var steps = timed ? "periods of 1/v s" : "rounds";
        var rounds = spec.UntilConverged
            ? string.Create(CultureInfo.InvariantCulture, $"until min reach ≥ {1 - spec.Epsilon:G} (at most {spec.MaxRounds:N0} {steps})")
            : string.Create(CultureInfo.InvariantCulture, $"{spec.MaxRounds:N0} {steps}");
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"GlobalBrain simulation sweep: {results.Count:N0} grid points, {scenario}{cap}, {rounds}, seed {spec.Seed}{SimulationLabels.Clock(spec)}{(topologyParameters.Count > 0 ? "; " + string.Join(", ", topologyParameters) : string.Empty)}\n");
        // In time, a run lasts t (s) and its thresholds are t·v; the sample at which everyone held everything says no more.
        text.Append("              N          v   mode        topology   " + (timed ? "   time (s)" : "   rounds   full coverage") + "   mean reach   collective intelligence       exchanges" + (timed ? "     t·v 99%    t·v full" : string.Empty) + "\n");
        foreach (var result in results)
        {
            var s = result.Spec;
            var last = result.Rounds[^1];
            var full = result.RoundsToFullCoverage is { } f ? f.ToString("N0", CultureInfo.InvariantCulture) : "—";
            var run = result.Times is not null
                ? string.Create(CultureInfo.InvariantCulture, $"   {SimulationLabels.Time(s, result.Rounds.Count - 1),8:G6}")
                : string.Create(CultureInfo.InvariantCulture, $"   {result.Rounds.Count - 1,6:N0}   {full,13}");
            var times = result.Times is { } t
                ? string.Create(CultureInfo.InvariantCulture, $"   {TimesV(s, t.To99),9}   {TimesV(s, t.ToFullCoverage),9}")
                : string.Empty;
            text.Append(CultureInfo.InvariantCulture,
                $"  {s.Experts,13:N0}   {s.FlowRate,8:G}   {s.Mode.Name(),-9}   {s.Topology.Kind.Name(),-11}{run}   {last.MeanReach,10:F4}   {last.CollectiveIntelligence,23:N0}   {result.Rounds.Sum(r => r.Exchanges),13:N0}{times}\n");
        }

        var exchanges = results.Sum(r => r.Rounds.Sum(s => s.Exchanges));
        text.Append(CultureInfo.InvariantCulture, $"  {seconds:F2} s, {exchanges / Math.Max(seconds, 1e-9):N0} exchanges/s\n");
        return text.ToString();
    }

    /// <summary>A time as t·v, "—" for none.</summary>
    private static string TimesV(SimulationSpec spec, double? seconds) =>
        seconds is { } t ? (t * spec.FlowRate).ToString("F3", CultureInfo.InvariantCulture) : "—";
}
