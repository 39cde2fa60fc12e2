using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Benchmarks;

// summary.md: the figures' numbers as tables, for the README.
internal static partial class CSurfaceFigures
{
    /// <summary>The tables README quotes: every figure as mean ± 95% half-width over the seeds.</summary>
    private static string Summary(List<Row> rows)
    {
        var seeds = rows.Max(r => r.Runs);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# C = f(v, I, N): measured surfaces\n\nMean ± half-width of the 95% interval over {seeds} seeds (push-pull, complete graph); `c-surfaces.csv` has every round.\n\n");

        text.Append("## C̄(t) at N = 10,000\n\n| t·v | rumor, poisson | 1 − z·e^z·E₁(z) | rumor, async (live clock) | rumor, rounds | items, rounds | rounds: mean field |\n|---|---|---|---|---|---|---|\n");
        var reach = rows.Where(r => r.Experiment == "reach-t").ToList();
        foreach (var t in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 10, 12 })
        {
            string At(string scenario, string clock) => reach.FirstOrDefault(r => r.Scenario == scenario && r.Clock == clock && Math.Abs(r.Periods - t) < 1e-9) is { } r ? Figure(r.Reach, r.ReachLow, r.ReachHigh, "F4") : "—";
            text.Append(CultureInfo.InvariantCulture,
                $"| {t} | {At("rumor", "poisson")} | {GossipTheory.PoissonRumorMeanReach(ExchangeMode.PushPull, 10_000, t):F4} | {At("rumor", "async")} | {At("rumor", "rounds")} | {At("items", "rounds")} | {GossipTheory.RoundsMeanFieldReach(ExchangeMode.PushPull, 10_000, 1, t):F4} |\n");
        }

        var v = rows.Where(r => r.Experiment == "c-v").ToList();
        var rates = v.Select(r => r.FlowRate).Distinct().Order().ToList();
        text.Append("\n## C against v\n\n| | " + string.Join(" | ", rates.Select(x => $"v = {x.ToString(CultureInfo.InvariantCulture)}")) + " |\n|---|" + string.Concat(rates.Select(_ => "---|")) + "\n");
        foreach (var (label, pick) in new (string, Func<Row, bool>)[]
        {
            ("items N = 1,000 (I = 1,000), C at round 2", r => r.Scenario == "items" && r.Step == 2),
            ("… round 4", r => r.Scenario == "items" && r.Step == 4),
            ("… round 8", r => r.Scenario == "items" && r.Step == 8),
            ("… round 40", r => r.Scenario == "items" && r.Step == 40),
            ("rumor async N = 10,000, C at t = 4 s", r => r.Scenario == "rumor" && Math.Abs(r.Step - 4) < 1e-9),
            ("… t = 8 s", r => r.Scenario == "rumor" && Math.Abs(r.Step - 8) < 1e-9),
            ("… t = 20 s", r => r.Scenario == "rumor" && Math.Abs(r.Step - 20) < 1e-9),
        })
        {
            text.Append($"| {label} | " + string.Join(" | ", rates.Select(x => v.FirstOrDefault(r => pick(r) && r.FlowRate == x) is { } r ? Figure(r.C, r.CLow, r.CHigh, "N0") : "—")) + " |\n");
        }

        var i = rows.Where(r => r.Experiment == "c-i").ToList();
        var volumes = i.Select(r => r.DistinctItems).Distinct().Order().ToList();
        text.Append("\n## C against I (items, N = 1,000, v = 1)\n\n| | " + string.Join(" | ", volumes.Select(x => $"I = {x:N0}")) + " |\n|---|" + string.Concat(volumes.Select(_ => "---|")) + "\n");
        foreach (var round in new[] { 5, 10, 30 })
        {
            foreach (var capped in new[] { false, true })
            {
                text.Append(CultureInfo.InvariantCulture, $"| round {round}, {(capped ? "cap 8: C" : "whole shards: C")} | ");
                text.Append(string.Join(" | ", volumes.Select(x => i.FirstOrDefault(r => r.Step == round && r.DistinctItems == x && (r.ExchangeCap is not null) == capped) is { } r
                    ? $"{Figure(r.C, r.CLow, r.CHigh, "N0")} (C̄ {r.Reach:F4})"
                    : "—")));
                text.Append(" |\n");
            }
        }

        var n = rows.Where(r => r.Experiment == "c-n").ToList();
        text.Append("\n## C against N at fixed I\n\n| | " + string.Join(" | ", n.Where(r => r.Scenario == "rumor").Select(r => r.Experts).Distinct().Order().Select(x => $"N = {x:N0}")) + " |\n|---|---|---|---|---|---|\n");
        foreach (var round in new[] { 3, 6, 10, 25 })
        {
            text.Append(CultureInfo.InvariantCulture, $"| rumor (I = 1), C at round {round} | ");
            text.Append(string.Join(" | ", n.Where(r => r.Scenario == "rumor" && r.Step == round).OrderBy(r => r.Experts).Select(r => Figure(r.C, r.CLow, r.CHigh, "N0"))));
            text.Append(" |\n");
        }

        text.Append("\n| items, I = 10,000 | N = 100 (k = 100) | N = 1,000 (k = 10) | N = 10,000 (k = 1) |\n|---|---|---|---|\n");
        foreach (var round in new[] { 3, 6, 10, 25 })
        {
            text.Append(CultureInfo.InvariantCulture, $"| C at round {round} | ");
            text.Append(string.Join(" | ", n.Where(r => r.Scenario == "items" && r.Step == round).OrderBy(r => r.Experts).Select(r => Figure(r.C, r.CLow, r.CHigh, "N0"))));
            text.Append(" |\n");
        }

        return text.ToString();
    }

    private static string Figure(double mean, double? low, double? high, string format) => low is { } l && high is { } h
        ? $"{mean.ToString(format, CultureInfo.InvariantCulture)} ± {((h - l) / 2).ToString(format, CultureInfo.InvariantCulture)}"
        : mean.ToString(format, CultureInfo.InvariantCulture);
}
