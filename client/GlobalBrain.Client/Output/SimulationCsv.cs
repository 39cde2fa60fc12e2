using System.Globalization;
using System.Text;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <summary>
/// The file of <c>simulate --csv</c>: every round, in invariant culture, round-trip precision. With an asynchronous
/// clock the first column is <c>time</c>, the seconds k/v of the k-th sample, in place of <c>round</c>, and every row
/// ends with its run's <c>to99,toFullCoverage</c>: the seconds at which mean reach first reached 99% and everyone
/// first held everything (empty when the run did not get there), as in <c>--json</c>'s <c>times</c>.
/// </summary>
internal static partial class SimulationCsv
{
    private const string RoundHeader = "round,meanReach,minReach,p50Reach,stdReach,collectiveIntelligence,exchanges,bytesExchanged";

    private const string TimesHeader = ",to99,toFullCoverage";

    /// <summary>One run: a row per round.</summary>
    public static string Run(SimulationResult result)
    {
        var text = new StringBuilder(Header(result.Spec, RoundHeader, TimesHeader) + "\n");
        var times = TimeCells(result);
        foreach (var r in result.Rounds)
        {
            AppendRound(text, result.Spec, r);
            text.Append(times).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A sweep: one row per grid point and round, the grid columns first.</summary>
    public static string Sweep(IReadOnlyList<SimulationResult> results)
    {
        return SweepRows(RoundHeader, TimesHeader, results, r => r.Spec, r => r.Rounds, AppendRound, TimeCells);
    }

    /// <summary>A row per grid point and round: the grid columns, then the round's, then the point's own (<paramref name="pointCells"/>).</summary>
    private static string SweepRows<TPoint, TRound>(
        string header,
        string pointHeader,
        IReadOnlyList<TPoint> points,
        Func<TPoint, SimulationSpec> specOf,
        Func<TPoint, IEnumerable<TRound>> roundsOf,
        Action<StringBuilder, SimulationSpec, TRound> appendRound,
        Func<TPoint, string> pointCells)
    {
        var text = new StringBuilder("experts,flowRate,mode,topology," + Header(specOf(points[0]), header, pointHeader) + "\n");
        foreach (var point in points)
        {
            var spec = specOf(point);
            var cells = pointCells(point);
            foreach (var r in roundsOf(point))
            {
                text.Append(CultureInfo.InvariantCulture, $"{spec.Experts},{spec.FlowRate:R},{spec.Mode.Name()},{spec.Topology.Kind.Name()},");
                appendRound(text, spec, r);
                text.Append(cells).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>The header: for an asynchronous clock its first column <c>time</c>, and the columns of the threshold times at the end.</summary>
    private static string Header(SimulationSpec spec, string header, string timesHeader) =>
        spec.Clock == SimulationClock.Rounds ? header : "time" + header["round".Length..] + timesHeader;

    /// <summary>The first cell of a row: the round, or the sample's time for an asynchronous clock.</summary>
    private static string Step(SimulationSpec spec, int round) => spec.Clock == SimulationClock.Rounds
        ? round.ToString(CultureInfo.InvariantCulture)
        : SimulationLabels.Time(spec, round).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>",to99,toFullCoverage" of an asynchronous run (a cell empty when not reached); nothing for synchronous rounds.</summary>
    private static string TimeCells(SimulationResult result) => result.Times is { } times
        ? string.Create(CultureInfo.InvariantCulture, $",{times.To99:R},{times.ToFullCoverage:R}")
        : string.Empty;

    private static void AppendRound(StringBuilder text, SimulationSpec spec, RoundStats r) =>
        text.Append(CultureInfo.InvariantCulture, $"{Step(spec, r.Round)},{r.MeanReach:R},{r.MinReach:R},{r.P50Reach:R},{r.StdReach:R},{r.CollectiveIntelligence:R},{r.Exchanges},{r.BytesExchanged}");
}
