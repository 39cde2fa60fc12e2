using System.Globalization;
using GlobalBrain.Client.Cli;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <summary>What <c>simulate --plot</c> draws: the reach curves of the results, with their title and axis labels.</summary>
internal sealed partial record ReachCurves(string Title, string XLabel, string YLabel, IReadOnlyList<PlotSeries> Series, bool IntegerX = false, bool LegendOutside = false)
{
    /// <summary>
    /// Against v (<see cref="PlotAxis.FlowRate"/>): the final mean reach, one line per combination of the other
    /// swept values. Against the round: mean and min reach of a single run, or the mean reach of every grid point.
    /// </summary>
    public static ReachCurves Of(PlotAxis axis, SimulationGrid grid, IReadOnlyList<SimulationResult> results)
    {
        var template = results[0].Spec;
        if (axis == PlotAxis.FlowRate)
        {
            // One line per combination of the other swept values, its points in increasing v.
            List<PlotSeries> lines = [.. results
                .GroupBy(r => (r.Spec.Experts, r.Spec.Mode, r.Spec.Topology.Kind))
                .Select(g =>
                {
                    var points = g.OrderBy(r => r.Spec.FlowRate).ToList();
                    var label = SimulationLabels.Varied(grid, g.First().Spec, withFlowRate: false);
                    return new PlotSeries(
                        label.Length > 0 ? label : string.Create(CultureInfo.InvariantCulture, $"N = {g.Key.Experts:N0}"),
                        [.. points.Select(r => r.Spec.FlowRate)],
                        [.. points.Select(r => r.Rounds[^1].MeanReach)],
                        Markers: true);
                })];
            var after = template.UntilConverged
                ? string.Create(CultureInfo.InvariantCulture, $"at the end (until converged, ≤ {template.MaxRounds:N0} rounds)")
                : string.Create(CultureInfo.InvariantCulture, $"after {template.MaxRounds:N0} rounds");
            return new(
                $"Mean reach {after} — {SimulationLabels.Fixed(grid, template, withFlowRate: false)}",
                "v (exchanges each expert starts per round)",
                $"mean reach {after}",
                lines,
                LegendOutside: true);
        }

        if (results.Count == 1)
        {
            var rounds = results[0].Rounds;
            double[] x = [.. rounds.Select(r => (double)r.Round)];
            return new(
                SimulationLabels.Fixed(grid, template, withFlowRate: true),
                SimulationLabels.StepAxis(template),
                "reach (share of all items an expert holds)",
                [
                    new PlotSeries("mean reach", x, [.. rounds.Select(r => r.MeanReach)], ColorIndex: 0),
                    new PlotSeries("min reach", x, [.. rounds.Select(r => r.MinReach)], Dashed: true, ColorIndex: 0),
                ],
                IntegerX: true,
                LegendOutside: true);
        }

        return new(
            $"Mean reach by round — {SimulationLabels.Fixed(grid, template, withFlowRate: true)}",
            SimulationLabels.StepAxis(template),
            "mean reach",
            [.. results.Select(r => new PlotSeries(
                SimulationLabels.Varied(grid, r.Spec, withFlowRate: true),
                [.. r.Rounds.Select(s => (double)s.Round)],
                [.. r.Rounds.Select(s => s.MeanReach)]))],
            IntegerX: true,
            LegendOutside: true);
    }

    /// <summary>The PNG of <see cref="SimulationPlot"/>.</summary>
    public byte[] RenderPng() => SimulationPlot.RenderPng(Title, XLabel, YLabel, Series, IntegerX, LegendOutside);
}
