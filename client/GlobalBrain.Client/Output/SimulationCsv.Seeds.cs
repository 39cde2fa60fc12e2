using System.Globalization;
using System.Text;
using GlobalBrain.Client.Statistics;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <remarks>
/// With <c>--seeds K</c> (K &gt; 1) a row is a round over the seeds that ran it (column n), and each metric
/// has four columns: <c>_mean</c>, <c>_sd</c> (sample) and <c>_ci95_low</c>, <c>_ci95_high</c> (the 95% t
/// interval of the mean); a cell with nothing to estimate it from (n &lt; 2) is empty. With an asynchronous clock
/// every row ends with the grid point's threshold times over the runs that got there, the same four columns and
/// their <c>_n</c>, for <c>timeTo99</c> and <c>timeToFullCoverage</c> (seconds).
/// </remarks>
internal static partial class SimulationCsv
{
    private static readonly string[] Metrics = ["meanReach", "minReach", "p50Reach", "stdReach", "collectiveIntelligence", "exchanges", "bytesExchanged"];

    private static readonly string SeedsHeader = "round,n," + string.Join(',', Metrics.Select(StatColumns));

    private static readonly string SeedTimesHeader = $",{StatColumns("timeTo99")},timeTo99_n,{StatColumns("timeToFullCoverage")},timeToFullCoverage_n";

    /// <summary>One grid point over K seeds: a row per round.</summary>
    public static string Seeds(SeedRuns point)
    {
        ArgumentNullException.ThrowIfNull(point);
        var text = new StringBuilder(Header(point.Spec, SeedsHeader, SeedTimesHeader) + "\n");
        var times = SeedTimeCells(point);
        foreach (var r in point.Rounds)
        {
            AppendRound(text, point.Spec, r);
            text.Append(times).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A sweep over K seeds: a row per grid point and round, the grid columns first.</summary>
    public static string SeedsSweep(IReadOnlyList<SeedRuns> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return SweepRows(SeedsHeader, SeedTimesHeader, points, p => p.Spec, p => p.Rounds, AppendRound, SeedTimeCells);
    }

    private static string StatColumns(string metric) => $"{metric}_mean,{metric}_sd,{metric}_ci95_low,{metric}_ci95_high";

    private static void AppendRound(StringBuilder text, SimulationSpec spec, RoundSummary r)
    {
        text.Append(CultureInfo.InvariantCulture, $"{Step(spec, r.Round)},{r.N}");
        foreach (var s in (SampleSummary[])[r.MeanReach, r.MinReach, r.P50Reach, r.StdReach, r.CollectiveIntelligence, r.Exchanges, r.BytesExchanged])
        {
            AppendStat(text, s);
        }
    }

    /// <summary>The point's threshold times over the seeds, for an asynchronous clock; nothing for synchronous rounds.</summary>
    private static string SeedTimeCells(SeedRuns point)
    {
        if (point.Summary is not { TimeTo99: { } to99, TimeToFullCoverage: { } toFull })
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        AppendStat(text, to99);
        text.Append(CultureInfo.InvariantCulture, $",{to99.N}");
        AppendStat(text, toFull);
        text.Append(CultureInfo.InvariantCulture, $",{toFull.N}");
        return text.ToString();
    }

    private static void AppendStat(StringBuilder text, SampleSummary s) =>
        text.Append(CultureInfo.InvariantCulture, $",{s.Mean:R},{s.Sd:R},{s.Ci95Low:R},{s.Ci95High:R}");
}
