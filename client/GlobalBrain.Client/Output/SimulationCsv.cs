using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <summary>
/// The file of <c>simulate --csv</c>: every round, in invariant culture, round-trip precision. With an asynchronous
/// clock the first column is <c>time</c>, the seconds k/v of the k-th sample, in place of <c>round</c>.
/// </summary>
internal static partial class SimulationCsv
{
    private const string RoundHeader = "round,meanReach,minReach,p50Reach,stdReach,collectiveIntelligence,exchanges,bytesExchanged";

    /// <summary>One run: a row per round.</summary>
    public static string Run(SimulationResult result)
    {
        var text = new StringBuilder(Header(result.Spec, RoundHeader) + "\n");
        foreach (var r in result.Rounds)
        {
            AppendRound(text, result.Spec, r);
        }

        return text.ToString();
    }

    /// <summary>A sweep: one row per grid point and round, the grid columns first.</summary>
    public static string Sweep(IReadOnlyList<SimulationResult> results)
    {
        return SweepRows(RoundHeader, results, r => r.Spec, r => r.Rounds, AppendRound);
    }

    /// <summary>A row per grid point and round: the grid columns, then the round's.</summary>
    private static string SweepRows<TPoint, TRound>(string header, IReadOnlyList<TPoint> points, Func<TPoint, SimulationSpec> specOf, Func<TPoint, IEnumerable<TRound>> roundsOf, Action<StringBuilder, SimulationSpec, TRound> appendRound)
    {
        var text = new StringBuilder("experts,flowRate,mode,topology," + Header(specOf(points[0]), header) + "\n");
        foreach (var point in points)
        {
            var spec = specOf(point);
            foreach (var r in roundsOf(point))
            {
                text.Append(CultureInfo.InvariantCulture, $"{spec.Experts},{spec.FlowRate:R},{spec.Mode.Name()},{spec.Topology.Kind.Name()},");
                appendRound(text, spec, r);
            }
        }

        return text.ToString();
    }

    /// <summary>The header, its first column <c>time</c> for an asynchronous clock.</summary>
    private static string Header(SimulationSpec spec, string header) =>
        spec.Clock == SimulationClock.Rounds ? header : "time" + header["round".Length..];

    /// <summary>The first cell of a row: the round, or the sample's time for an asynchronous clock.</summary>
    private static string Step(SimulationSpec spec, int round) => spec.Clock == SimulationClock.Rounds
        ? round.ToString(CultureInfo.InvariantCulture)
        : SimulationLabels.Time(spec, round).ToString("R", CultureInfo.InvariantCulture);

    private static void AppendRound(StringBuilder text, SimulationSpec spec, RoundStats r) =>
        text.Append(CultureInfo.InvariantCulture, $"{Step(spec, r.Round)},{r.MeanReach:R},{r.MinReach:R},{r.P50Reach:R},{r.StdReach:R},{r.CollectiveIntelligence:R},{r.Exchanges},{r.BytesExchanged}\n");
}
