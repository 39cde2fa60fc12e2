using System.Globalization;
using GlobalBrain.Client.Cli;
using GlobalBrain.Client.Statistics;

namespace GlobalBrain.Client.Output;

/// <remarks>
/// With <c>--seeds K</c> (K &gt; 1) every curve is the mean over the seeds with its 95% confidence interval
/// shaded around it; the legend stands right of the data area and the round axis has whole-number ticks.
/// </remarks>
internal sealed partial record ReachCurves
{
    /// <summary>The curves of <see cref="Of"/>, as means over the seeds of each grid point with their 95% bands.</summary>
    public static ReachCurves Seeds(PlotAxis axis, SimulationGrid grid, IReadOnlyList<SeedRuns> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var template = points[0].Spec;
        var k = points[0].Runs.Count;
        const string Band = "mean, 95% CI";
        if (axis == PlotAxis.FlowRate)
        {
            List<PlotSeries> lines = [.. points
                .GroupBy(p => (p.Spec.Experts, p.Spec.Mode, p.Spec.Topology.Kind))
                .Select(g =>
                {
                    var ordered = g.OrderBy(p => p.Spec.FlowRate).ToList();
                    var label = SimulationLabels.Varied(grid, g.First().Spec, withFlowRate: false);
                    var finals = ordered.Select(p => p.Summary.FinalMeanReach).ToList();
                    return new PlotSeries(
                        label.Length > 0 ? label : string.Create(CultureInfo.InvariantCulture, $"N = {g.Key.Experts:N0}"),
                        [.. ordered.Select(p => p.Spec.FlowRate)],
                        [.. finals.Select(s => s.Mean!.Value)],
                        Markers: true,
                        Low: [.. finals.Select(s => s.Ci95Low ?? s.Mean!.Value)],
                        High: [.. finals.Select(s => s.Ci95High ?? s.Mean!.Value)]);
                })];
            var after = template.UntilConverged
                ? string.Create(CultureInfo.InvariantCulture, $"at the end (until converged, ≤ {template.MaxRounds:N0} rounds)")
                : string.Create(CultureInfo.InvariantCulture, $"after {template.MaxRounds:N0} rounds");
            return new(
                $"Mean reach {after} — {SimulationLabels.Fixed(grid, template, withFlowRate: false, k)} ({Band})",
                "v (exchanges each expert starts per round)",
                $"mean reach {after}",
                lines,
                LegendOutside: true);
        }

        if (points.Count == 1)
        {
            var rounds = points[0].Rounds;
            double[] x = [.. rounds.Select(r => (double)r.Round)];
            return new(
                $"{SimulationLabels.Fixed(grid, template, withFlowRate: true, k)} ({Band})",
                SimulationLabels.StepAxis(template),
                "reach (share of all items an expert holds)",
                [Banded("mean reach", x, [.. rounds.Select(r => r.MeanReach)], dashed: false), Banded("min reach", x, [.. rounds.Select(r => r.MinReach)], dashed: true)],
                IntegerX: true,
                LegendOutside: true);
        }

        return new(
            $"Mean reach by round — {SimulationLabels.Fixed(grid, template, withFlowRate: true, k)} ({Band})",
            SimulationLabels.StepAxis(template),
            "mean reach",
            [.. points.Select((p, i) => Banded(
                SimulationLabels.Varied(grid, p.Spec, withFlowRate: true),
                [.. p.Rounds.Select(s => (double)s.Round)],
                [.. p.Rounds.Select(s => s.MeanReach)],
                dashed: false,
                colorIndex: i))],
            IntegerX: true,
            LegendOutside: true);
    }

    private static PlotSeries Banded(string label, double[] x, List<SampleSummary> y, bool dashed, int colorIndex = 0) => new(
        label,
        x,
        [.. y.Select(s => s.Mean!.Value)],
        Dashed: dashed,
        ColorIndex: colorIndex,
        Low: [.. y.Select(s => s.Ci95Low ?? s.Mean!.Value)],
        High: [.. y.Select(s => s.Ci95High ?? s.Mean!.Value)]);
}
