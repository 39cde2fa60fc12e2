using System.Globalization;
using System.Text;
using GlobalBrain.Client.Statistics;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <remarks>
/// With <c>--seeds K</c> (K &gt; 1) every figure is "mean ± h" over the seeds, h the half-width of the 95%
/// confidence interval of the mean (Student t, K − 1 degrees of freedom); a figure that only one seed
/// had is its value alone.
/// </remarks>
internal static partial class SimulationTable
{
    /// <summary>One grid point over K seeds: a row per round (every nth past 40) of means ± 95% half-widths.</summary>
    public static string Seeds(SeedRuns point, double seconds)
    {
        ArgumentNullException.ThrowIfNull(point);
        var spec = point.Spec;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"GlobalBrain simulation: N = {spec.Experts:N0}, v = {spec.FlowRate:G}, {spec.Mode.Name()}, {SimulationLabels.Topology(spec.Topology)}, {spec.Scenario.Name()} (I = {point.Runs[0].DistinctItems:N0}), {SeedRange(point)}{SimulationLabels.Clock(spec)}\n");
        text.Append("  mean ± half-width of its 95% confidence interval (Student t) over the seeds\n");
        text.Append(StepHeader(spec) + "   seeds          mean reach           min reach      collective intelligence                exchanges\n");
        var rounds = point.Rounds;
        AppendRounds(text, rounds, r => string.Create(CultureInfo.InvariantCulture,
            $"{Step(spec, r.Round)}   {r.N,5}   {Figure(r.MeanReach, "F4"),17}   {Figure(r.MinReach, "F4"),17}   {Figure(r.CollectiveIntelligence, "N0"),26}   {Figure(r.Exchanges, "N0"),22}\n"));

        var full = point.Summary.RoundsToFullCoverage;
        var epsilon = spec.Epsilon > 0 ? string.Create(CultureInfo.InvariantCulture, $" (min reach ≥ {1 - spec.Epsilon:G})") : string.Empty;
        if (point.Summary is { TimeTo99: { } to99, TimeToFullCoverage: { } toFull })
        {
            text.Append(TimeLine(spec, "mean reach ≥ 99%", to99, point.Runs.Count));
            text.Append(TimeLine(spec, $"everyone holds everything{epsilon}", toFull, point.Runs.Count));
        }
        else
        {
            text.Append(full.N == 0
                ? "  not everyone holds everything yet in any seed's run\n"
                : string.Create(CultureInfo.InvariantCulture,
                    $"  everyone holds everything{epsilon} after {Figure(full, "F1")} rounds ({full.N} of {point.Runs.Count} seeds got there)\n"));
        }

        text.Append(CultureInfo.InvariantCulture, $"  {seconds:F2} s for {point.Runs.Count} runs, {point.Figures.Sum(f => f.Exchanges) / Math.Max(seconds, 1e-9):N0} exchanges/s\n");
        return text.ToString();
    }

    /// <summary>A sweep over K seeds: a row per grid point with its figures after the last round as means ± 95% half-widths.</summary>
    public static string SeedsSweep(IReadOnlyList<SeedRuns> points, double seconds)
    {
        ArgumentNullException.ThrowIfNull(points);
        var spec = points[0].Spec;
        var text = new StringBuilder();
        var timed = spec.Clock != SimulationClock.Rounds;
        text.Append(CultureInfo.InvariantCulture,
            $"GlobalBrain simulation sweep: {points.Count:N0} grid points, {spec.Scenario.Name()}, {(spec.UntilConverged ? "until converged, at most " : string.Empty)}{spec.MaxRounds:N0} {(timed ? "periods of 1/v s" : "rounds")}, {SeedRange(points[0])}{SimulationLabels.Clock(spec)}\n");
        text.Append(timed
            ? "  mean ± half-width of its 95% confidence interval (Student t) over the seeds; the times over the seeds that got there (n: everyone)\n"
            : "  mean ± half-width of its 95% confidence interval (Student t) over the seeds; full coverage over the seeds that got there (n)\n");
        text.Append("              N          v   mode        topology   " + (timed ? "          time (s)" : "           rounds           full coverage") + "     n          mean reach      collective intelligence" + (timed ? "              t·v 99%             t·v full" : string.Empty) + "\n");
        foreach (var point in points)
        {
            var s = point.Spec;
            var summary = point.Summary;
            var run = timed
                ? string.Create(CultureInfo.InvariantCulture, $"   {Figure(summary.RoundsRun.Scale(1 / s.FlowRate), "F3"),15}   {summary.TimeToFullCoverage!.N,3}")
                : string.Create(CultureInfo.InvariantCulture, $"   {Figure(summary.RoundsRun, "F1"),17}   {Figure(summary.RoundsToFullCoverage, "F1"),21}   {summary.RoundsToFullCoverage.N,3}");
            text.Append(CultureInfo.InvariantCulture,
                $"  {s.Experts,13:N0}   {s.FlowRate,8:G}   {s.Mode.Name(),-9}   {s.Topology.Kind.Name(),-11}{run}   {Figure(summary.FinalMeanReach, "F4"),17}   {Figure(summary.FinalCollectiveIntelligence, "N0"),26}{(timed ? string.Create(CultureInfo.InvariantCulture, $"   {Figure(summary.TimeTo99!.Scale(s.FlowRate), "F3"),18}   {Figure(summary.TimeToFullCoverage!.Scale(s.FlowRate), "F3"),18}") : string.Empty)}\n");
        }

        var exchanges = points.Sum(p => p.Figures.Sum(f => f.Exchanges));
        text.Append(CultureInfo.InvariantCulture, $"  {seconds:F2} s for {points.Sum(p => p.Runs.Count):N0} runs, {exchanges / Math.Max(seconds, 1e-9):N0} exchanges/s\n");
        return text.ToString();
    }

    /// <summary>"mean ± h" in <paramref name="format"/>; the mean alone when there is no interval; "—" when there is nothing.</summary>
    internal static string Figure(SampleSummary summary, string format) => summary switch
    {
        { Mean: null } => "—",
        { HalfWidth: { } h } => $"{summary.Mean.Value.ToString(format, CultureInfo.InvariantCulture)} ± {h.ToString(format, CultureInfo.InvariantCulture)}",
        _ => summary.Mean.Value.ToString(format, CultureInfo.InvariantCulture),
    };

    /// <summary>"  what at t = m ± h s (t·v = m ± h; n of K seeds got there)".</summary>
    private static string TimeLine(SimulationSpec spec, string what, SampleSummary seconds, int seeds) => seconds.N == 0
        ? $"  {what}: in no seed's run\n"
        : string.Create(CultureInfo.InvariantCulture,
            $"  {what} at t = {Figure(seconds, "F3")} s (t·v = {Figure(seconds.Scale(spec.FlowRate), "F3")}; {seconds.N} of {seeds} seeds got there)\n");

    private static string SeedRange(SeedRuns point) =>
        string.Create(CultureInfo.InvariantCulture, $"seeds {point.Runs[0].Spec.Seed}–{point.Runs[^1].Spec.Seed} (K = {point.Runs.Count})");
}
