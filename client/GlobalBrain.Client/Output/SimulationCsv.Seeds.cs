using System.Globalization;
using System.Text;
using GlobalBrain.Client.Statistics;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <remarks>
/// With <c>--seeds K</c> (K &gt; 1) a row is a round over the seeds that ran it (column n), and each metric
/// has four columns: <c>_mean</c>, <c>_sd</c> (sample) and <c>_ci95_low</c>, <c>_ci95_high</c> (the 95% t
/// interval of the mean); a cell with nothing to estimate it from (n &lt; 2) is empty.
/// </remarks>
internal static partial class SimulationCsv
{
    private static readonly string[] Metrics = ["meanReach", "minReach", "p50Reach", "stdReach", "collectiveIntelligence", "exchanges", "bytesExchanged"];

    private static readonly string SeedsHeader = "round,n," + string.Join(',', Metrics.Select(m => $"{m}_mean,{m}_sd,{m}_ci95_low,{m}_ci95_high"));

    /// <summary>One grid point over K seeds: a row per round.</summary>
    public static string Seeds(SeedRuns point)
    {
        ArgumentNullException.ThrowIfNull(point);
        var text = new StringBuilder(Header(point.Spec, SeedsHeader) + "\n");
        foreach (var r in point.Rounds)
        {
            AppendRound(text, point.Spec, r);
        }

        return text.ToString();
    }

    /// <summary>A sweep over K seeds: a row per grid point and round, the grid columns first.</summary>
    public static string SeedsSweep(IReadOnlyList<SeedRuns> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return SweepRows(SeedsHeader, points, p => p.Spec, p => p.Rounds, AppendRound);
    }

    private static void AppendRound(StringBuilder text, SimulationSpec spec, RoundSummary r)
    {
        text.Append(CultureInfo.InvariantCulture, $"{Step(spec, r.Round)},{r.N}");
        foreach (var s in (SampleSummary[])[r.MeanReach, r.MinReach, r.P50Reach, r.StdReach, r.CollectiveIntelligence, r.Exchanges, r.BytesExchanged])
        {
            text.Append(CultureInfo.InvariantCulture, $",{s.Mean:R},{s.Sd:R},{s.Ci95Low:R},{s.Ci95High:R}");
        }

        text.Append('\n');
    }
}
