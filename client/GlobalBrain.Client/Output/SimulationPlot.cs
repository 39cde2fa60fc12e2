using ScottPlot;

namespace GlobalBrain.Client.Output;

/// <summary>One line of a <see cref="SimulationPlot"/>: points joined in order, optionally dashed and with markers, and optionally a shaded band from <paramref name="Low"/> to <paramref name="High"/> (a 95% interval).</summary>
public sealed record PlotSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Dashed = false, bool Markers = false, int? ColorIndex = null, IReadOnlyList<double>? Low = null, IReadOnlyList<double>? High = null);

/// <summary>
/// Line charts of <c>globalbrain simulate --plot</c>, rendered to PNG bytes in memory (ScottPlot over SkiaSharp,
/// whose Linux native library comes without system dependencies), so that writing the file is the caller's
/// to report.
/// </summary>
public static class SimulationPlot
{
    /// <summary>Image width, pixels.</summary>
    public const int Width = 800;

    /// <summary>Image height, pixels.</summary>
    public const int Height = 500;

    /// <summary>More curves than this get no legend: it would cover the plot.</summary>
    public const int MaxLegendEntries = 20;

    // ScottPlot picks the first family it finds, which on Debian is DejaVu Serif; prefer a sans face when there is one.
    private static readonly string[] SansFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];

    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>
    /// Whether any font is installed: SkiaSharp's dependency-free Linux build reads /usr/share/fonts itself,
    /// and without a font the plot is drawn with no text at all.
    /// </summary>
    public static bool HasFonts => SkiaSharp.SKFontManager.Default.FontFamilies.Any(f => f.Length > 0);

    /// <summary>Renders the series as a PNG of <see cref="Width"/> × <see cref="Height"/> pixels; y (a reach) runs from 0 to 1.</summary>
    /// <param name="integerX">Ticks on the x axis at whole numbers only (rounds).</param>
    /// <param name="legendOutside">The legend right of the data area, where it cannot cover a curve or a band.</param>
    public static byte[] RenderPng(string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, bool integerX = false, bool legendOutside = false)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plot = new Plot();
        var installed = SkiaSharp.SKFontManager.Default.FontFamilies.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (SansFamilies.FirstOrDefault(installed.Contains) is { } family)
        {
            plot.Font.Set(family);
        }

        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var colorIndex = s.ColorIndex ?? i;
            if (s is { Low: { } low, High: { } high })
            {
                // Drawn first, translucent and without an outline or a legend entry, so that the mean line stays on top.
                var band = plot.Add.FillY(s.X.ToArray(), low.ToArray(), high.ToArray());
                band.FillColor = palette.GetColor(colorIndex).WithAlpha(0.22);
                band.LineWidth = 0;
            }

            var line = plot.Add.ScatterLine(s.X.ToArray(), s.Y.ToArray(), palette.GetColor(colorIndex));
            line.LineWidth = 2;
            line.LegendText = s.Label;

            // Past ten colours the palette repeats; the line pattern tells those curves apart.
            line.LinePattern = s.Dashed ? LinePattern.Dashed : Patterns[colorIndex / palette.Colors.Length % Patterns.Length];
            if (s.Markers)
            {
                line.MarkerShape = MarkerShape.FilledCircle;
                line.MarkerSize = 6;
            }
        }

        plot.Title(title, 15);
        plot.XLabel(xLabel, 14);
        plot.YLabel(yLabel, 14);
        var xs = series.SelectMany(s => s.X).DefaultIfEmpty(0).ToList();
        var (xMin, xMax) = (xs.Min(), xs.Max());
        var margin = Math.Max(xMax - xMin, 1) * 0.02;
        plot.Axes.SetLimits(xMin - margin, xMax + margin, -0.02, 1.04);
        if (integerX)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }

        if (series.Count is > 0 and <= MaxLegendEntries && series.Any(s => s.Label.Length > 0))
        {
            if (legendOutside)
            {
                plot.ShowLegend(Edge.Right);
            }
            else
            {
                plot.ShowLegend(Alignment.LowerRight);
            }
        }

        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
