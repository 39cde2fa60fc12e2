using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <summary>The file of <c>simulate --csv</c>: every round, in invariant culture, round-trip precision.</summary>
internal static partial class SimulationCsv
{
    private const string RoundHeader = "round,meanReach,minReach,p50Reach,stdReach,collectiveIntelligence,exchanges,bytesExchanged";

    /// <summary>One run: a row per round.</summary>
    public static string Run(SimulationResult result)
    {
        var text = new StringBuilder(RoundHeader + "\n");
        foreach (var r in result.Rounds)
        {
            AppendRound(text, r);
        }

        return text.ToString();
    }

    /// <summary>A sweep: one row per grid point and round, the grid columns first.</summary>
    public static string Sweep(IReadOnlyList<SimulationResult> results)
    {
        return SweepRows(RoundHeader, results, r => r.Spec, r => r.Rounds, AppendRound);
    }

    /// <summary>A row per grid point and round: the grid columns, then the round's.</summary>
    private static string SweepRows<TPoint, TRound>(string header, IEnumerable<TPoint> points, Func<TPoint, SimulationSpec> specOf, Func<TPoint, IEnumerable<TRound>> roundsOf, Action<StringBuilder, TRound> appendRound)
    {
        var text = new StringBuilder("experts,flowRate,mode,topology," + header + "\n");
        foreach (var point in points)
        {
            var spec = specOf(point);
            foreach (var r in roundsOf(point))
            {
                text.Append(CultureInfo.InvariantCulture, $"{spec.Experts},{spec.FlowRate:R},{spec.Mode.Name()},{spec.Topology.Kind.Name()},");
                appendRound(text, r);
            }
        }

        return text.ToString();
    }

    private static void AppendRound(StringBuilder text, RoundStats r) =>
        text.Append(CultureInfo.InvariantCulture, $"{r.Round},{r.MeanReach:R},{r.MinReach:R},{r.P50Reach:R},{r.StdReach:R},{r.CollectiveIntelligence:R},{r.Exchanges},{r.BytesExchanged}\n");
}
