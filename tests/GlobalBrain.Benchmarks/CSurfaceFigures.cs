using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Simulation;
using ScottPlot;

namespace GlobalBrain.Benchmarks;

/// <summary>
/// <c>c-figures SURFACE.csv DIR</c>: the figures and tables of README "What C = f(v, I, N) means here", from the CSV
/// that <c>figures/c-surfaces.sh</c> gathers from <c>simulate --seeds K</c> runs — line charts (the mean of every
/// point with its 95% interval shaded, the analytic C̄(t) beside the measured one; PNG, 1000×500) and summary.md.
/// </summary>
internal static partial class CSurfaceFigures
{
    private const int Width = 1000;
    private const int Height = 500;

    // As simulate --plot: ScottPlot picks the first family it finds, a serif on Debian.
    private static readonly string[] SansFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];

    public static int Run(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: GlobalBrain.Benchmarks c-figures SURFACE.csv DIR");
            return 2;
        }

        var rows = Read(args[0]);
        var dir = args[1];
        Directory.CreateDirectory(dir);
        ReachOverTime(rows.Where(r => r.Experiment == "reach-t").ToList(), Path.Combine(dir, "reach-over-time.png"));
        AgainstV(rows.Where(r => r.Experiment == "c-v").ToList(), Path.Combine(dir, "c-vs-v.png"));
        AgainstI(rows.Where(r => r.Experiment == "c-i").ToList(), Path.Combine(dir, "c-vs-i.png"));
        AgainstN(rows.Where(r => r.Experiment == "c-n").ToList(), Path.Combine(dir, "c-vs-n.png"));
        File.WriteAllText(Path.Combine(dir, "summary.md"), Summary(rows));
        return 0;
    }

    /// <summary>C̄ against t·v at N = 10^4: each clock's rumor and the items scenario, with 1 − z·e^z·E₁(z) and the rounds' mean field.</summary>
    private static void ReachOverTime(List<Row> rows, string path)
    {
        var plot = NewPlot("Mean reach C/(N·I) over time, N = 10,000, push-pull, complete graph", "t·v (rounds, or periods of 1/v s)", "mean reach = C / (N·I)");
        var color = 0;
        foreach (var series in rows.GroupBy(r => (r.Scenario, r.Clock)))
        {
            AddBand(plot, $"{series.Key.Scenario}, {series.Key.Clock}", [.. series.OrderBy(r => r.Periods)], r => r.Periods, r => (r.Reach, r.ReachLow, r.ReachHigh), color++);
        }

        var n = rows[0].Experts;
        var t = Enumerable.Range(0, 161).Select(i => i / 10.0).ToArray();
        AddLine(plot, "poisson, theory: 1 − z·e^z·E1(z)", t, [.. t.Select(x => GossipTheory.PoissonRumorMeanReach(ExchangeMode.PushPull, n, x))], LinePattern.Dashed, 0);
        var rounds = Enumerable.Range(0, 17).ToArray();
        AddLine(plot, "rounds, mean field", [.. rounds.Select(r => (double)r)], [.. rounds.Select(r => GossipTheory.RoundsMeanFieldReach(ExchangeMode.PushPull, n, 1, r))], LinePattern.Dotted, 2);
        plot.Axes.SetLimitsY(0, 1.02);
        Save(plot, path);
    }

    /// <summary>C̄ (C over its bound N·I) against v: items at fixed rounds, the rumor on the live clock at fixed times.</summary>
    private static void AgainstV(List<Row> rows, string path)
    {
        var plot = NewPlot("C against v at a fixed time (N and I fixed on each line)", "v (exchanges per expert per round, or per second)", "mean reach = C / (N·I)");
        var color = 0;
        foreach (var round in new[] { 2, 4, 8, 40 })
        {
            AddBand(plot, $"items, N = 1,000, round {round}", [.. rows.Where(r => r.Scenario == "items" && r.Step == round).OrderBy(r => r.FlowRate)], r => Math.Log2(r.FlowRate), r => (r.Reach, r.ReachLow, r.ReachHigh), color++, markers: true);
        }

        foreach (var seconds in new[] { 4.0, 8.0 })
        {
            AddBand(plot, $"rumor, async, N = 10,000, t = {seconds:G} s", [.. rows.Where(r => r.Scenario == "rumor" && Math.Abs(r.Step - seconds) < 1e-9).OrderBy(r => r.FlowRate)], r => Math.Log2(r.FlowRate), r => (r.Reach, r.ReachLow, r.ReachHigh), color++, markers: true, pattern: LinePattern.Dashed);
        }

        LogAxis(plot.Axes.Bottom, [0.25, 0.5, 1, 2, 4]);
        plot.Axes.SetLimitsY(0, 1.02);
        Save(plot, path);
    }

    /// <summary>C against I (log–log) at fixed rounds: whole shards (C ∝ I), and a cap of 8 items an exchange (C bounded by the bandwidth).</summary>
    private static void AgainstI(List<Row> rows, string path)
    {
        var plot = NewPlot("C against I = N·k (items, N = 1,000, v = 1), log–log", "I (distinct items)", "C = Σ|K_i|");
        var color = 0;
        foreach (var round in new[] { 5, 10, 30 })
        {
            foreach (var capped in new[] { false, true })
            {
                var at = rows.Where(r => r.Step == round && (r.ExchangeCap is not null) == capped).OrderBy(r => r.DistinctItems).ToList();
                AddBand(plot, $"round {round}, {(capped ? "cap 8 items" : "whole shards")}", at, r => Math.Log10(r.DistinctItems), r => (Math.Log10(r.C), Log(r.CLow), Log(r.CHigh)), color, markers: true, pattern: capped ? LinePattern.Dashed : LinePattern.Solid);
            }

            color++;
        }

        var i = rows.Select(r => r.DistinctItems).Distinct().Order().ToArray();
        AddLine(plot, "bound N·I (whole shards reach it by round 10)", [.. i.Select(x => Math.Log10(x))], [.. i.Select(x => Math.Log10(1_000.0 * x))], LinePattern.Dotted, 7);
        AddLine(plot, "bandwidth bound I + 2·c·N·v·r, c = 8, r = 30", [.. i.Select(x => Math.Log10(x))], [.. i.Select(x => Math.Log10(x + (2.0 * 8 * 1_000 * 30)))], LinePattern.DenselyDashed, 7);
        LogAxis(plot.Axes.Bottom, null);
        LogAxis(plot.Axes.Left, null);
        ClipToMeans(plot, rows);
        Save(plot, path);
    }

    /// <summary>C against N (log–log) at fixed I: the rumor (I = 1) and items with N·k = 10^4.</summary>
    private static void AgainstN(List<Row> rows, string path)
    {
        var plot = NewPlot("C against N at fixed I (v = 1), log–log", "N (experts)", "C = Σ|K_i|");
        var color = 0;
        foreach (var round in new[] { 3, 6, 10, 25 })
        {
            AddBand(plot, $"rumor (I = 1), round {round}", [.. rows.Where(r => r.Scenario == "rumor" && r.Step == round).OrderBy(r => r.Experts)], r => Math.Log10(r.Experts), r => (Math.Log10(r.C), Log(r.CLow), Log(r.CHigh)), color++, markers: true);
        }

        color = 0;
        foreach (var round in new[] { 3, 6, 25 })
        {
            AddBand(plot, $"items (I = 10^4), round {round}", [.. rows.Where(r => r.Scenario == "items" && r.Step == round).OrderBy(r => r.Experts)], r => Math.Log10(r.Experts), r => (Math.Log10(r.C), Log(r.CLow), Log(r.CHigh)), color++, markers: true, pattern: LinePattern.Dashed);
        }

        AddLine(plot, "bound N·I, rumor", [2, 6], [2, 6], LinePattern.Dotted, 7);
        LogAxis(plot.Axes.Bottom, null);
        LogAxis(plot.Axes.Left, null);
        ClipToMeans(plot, rows);
        Save(plot, path);
    }

    /// <summary>A log–log plot's y range: the means with a margin, so that an interval reaching down to 0 (few seeds) is cut at the edge, not drawn to 10^-12.</summary>
    private static void ClipToMeans(Plot plot, List<Row> rows)
    {
        var logs = rows.Select(r => Math.Log10(Math.Max(r.C, 1))).ToList();
        plot.Axes.SetLimitsY(logs.Min() - 0.5, logs.Max() + 0.5);
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        var installed = SkiaSharp.SKFontManager.Default.FontFamilies.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (SansFamilies.FirstOrDefault(installed.Contains) is { } family)
        {
            plot.Font.Set(family);
        }

        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.Legend.FontSize = 11;
        return plot;
    }

    /// <summary>Shows the legend right of the data area, where it cannot cover a curve or a band.</summary>
    private static Plot WithLegend(Plot plot)
    {
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static void AddBand(Plot plot, string label, List<Row> rows, Func<Row, double> x, Func<Row, (double Mean, double? Low, double? High)> y, int color, bool markers = false, LinePattern? pattern = null)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var palette = new ScottPlot.Palettes.Category10();
        var xs = rows.Select(x).ToArray();
        var values = rows.Select(y).ToArray();
        if (values.All(v => v.Low is not null && v.High is not null && double.IsFinite(v.Low.Value) && double.IsFinite(v.High.Value)))
        {
            var band = plot.Add.FillY(xs, [.. values.Select(v => v.Low!.Value)], [.. values.Select(v => v.High!.Value)]);
            band.FillColor = palette.GetColor(color).WithAlpha(0.22);
            band.LineWidth = 0;
        }

        var line = plot.Add.Scatter(xs, [.. values.Select(v => v.Mean)]);
        line.LegendText = label;
        line.Color = palette.GetColor(color);
        line.LineWidth = 2;
        line.LinePattern = pattern ?? LinePattern.Solid;
        line.MarkerSize = markers ? 5 : 0;
    }

    private static void AddLine(Plot plot, string label, double[] x, double[] y, LinePattern pattern, int color)
    {
        var line = plot.Add.Scatter(x, y);
        line.LegendText = label;
        line.Color = new ScottPlot.Palettes.Category10().GetColor(color).Darken(0.3);
        line.LineWidth = 1.5f;
        line.LinePattern = pattern;
        line.MarkerSize = 0;
    }

    /// <summary>An axis whose data are log10 of the values, ticks at powers of ten; or log2, ticks at <paramref name="values"/>.</summary>
    private static void LogAxis(IAxis axis, double[]? values)
    {
        if (values is not null)
        {
            // Plotted as log2 of the values: a tick at each, named by the value.
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (var value in values)
            {
                ticks.AddMajor(Math.Log2(value), value.ToString("G", CultureInfo.InvariantCulture));
            }

            axis.TickGenerator = ticks;
            return;
        }

        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = y => Math.Abs(y - Math.Round(y)) < 1e-9 ? Power(y) : string.Empty,
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        };
    }

    private static double? Log(double? value) => value is { } v ? Math.Log10(Math.Max(v, 1e-12)) : null;

    private static string Power(double exponent) => exponent switch
    {
        0 => "1",
        1 => "10",
        _ => $"10^{exponent.ToString("F0", CultureInfo.InvariantCulture)}",
    };

    // PNG: Skia's SVG canvas drops dash patterns, and the analytic curves are told from the measured ones by them.
    private static void Save(Plot plot, string path) => WithLegend(plot).SavePng(path, Width, Height);

    private static List<Row> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name);
        double Value(string[] cells, string name) => double.Parse(cells[Col(name)], CultureInfo.InvariantCulture);
        double? Maybe(string[] cells, string name) => cells[Col(name)] is { Length: > 0 } s ? double.Parse(s, CultureInfo.InvariantCulture) : null;
        return [.. lines.Skip(1).Select(l => l.Split(',')).Select(c => new Row(
            c[Col("experiment")],
            c[Col("scenario")],
            c[Col("clock")],
            (long)Value(c, "experts"),
            Value(c, "flowRate"),
            (int?)Maybe(c, "exchangeCap"),
            (long)Value(c, "distinctItems"),
            Value(c, "step"),
            Value(c, "periods"),
            (int)Value(c, "n"),
            Value(c, "meanReach_mean"),
            Maybe(c, "meanReach_ci95_low"),
            Maybe(c, "meanReach_ci95_high"),
            Value(c, "C_mean"),
            Maybe(c, "C_ci95_low"),
            Maybe(c, "C_ci95_high")))];
    }

    private sealed record Row(
        string Experiment,
        string Scenario,
        string Clock,
        long Experts,
        double FlowRate,
        int? ExchangeCap,
        long DistinctItems,
        double Step,
        double Periods,
        int Runs,
        double Reach,
        double? ReachLow,
        double? ReachHigh,
        double C,
        double? CLow,
        double? CHigh);
}
