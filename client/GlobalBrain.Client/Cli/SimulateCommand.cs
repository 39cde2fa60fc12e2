using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GlobalBrain.Client.Output;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Cli;

/// <summary>The options of <c>globalbrain simulate</c>, as parsed.</summary>
public sealed record SimulateArguments(
    SimulationSpec Spec,
    string? Docs,
    string? Csv,
    bool Json);

/// <summary>
/// <c>globalbrain simulate</c>: synchronous gossip rounds over N experts (<see cref="GossipSimulation"/>),
/// printed as a table (a progress line on a terminal), a CSV of every round, or one JSON object whose
/// bytes depend only on the parameters and the seed.
/// </summary>
public sealed class SimulateCommand(CliContext context)
{
    private const int MaxTableRows = 40;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async Task<int> RunAsync(SimulateArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var spec = arguments.Spec;
        var errors = spec.Validate();
        if (errors.Count > 0)
        {
            throw new CliException(string.Join("; ", errors), ExitCodes.Usage);
        }

        if (arguments.Docs is not null)
        {
            throw new CliException("--docs is used by --scenario corpus only", ExitCodes.Usage);
        }

        var progress = context.Interactive ? new ProgressLine(context.Error, 0) : null;
        var lastDraw = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        var result = await Task.Run(
            () => GossipSimulation.Run(spec, new Progress(progress, lastDraw, spec), cancellationToken),
            cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        progress?.Clear();

        if (arguments.Csv is { } csv)
        {
            await WriteCsvAsync(csv, result, cancellationToken);
        }

        if (arguments.Json)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize(JsonReport.From(result), JsonOptions));
        }
        else
        {
            await context.Out.WriteAsync(Table(result, seconds));
        }

        if (spec.UntilConverged && result.RoundsToFullCoverage is null)
        {
            await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: not converged after {spec.MaxRounds:N0} rounds (min reach {result.Rounds[^1].MinReach:G4} < {1 - spec.Epsilon:G}); raise --rounds or --flow-rate"));
        }

        return ExitCodes.Success;
    }

    private static async Task WriteCsvAsync(string path, SimulationResult result, CancellationToken cancellationToken)
    {
        var text = new StringBuilder("round,meanReach,minReach,p50Reach,stdReach,collectiveIntelligence,exchanges,bytesExchanged\n");
        foreach (var r in result.Rounds)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Round},{r.MeanReach:R},{r.MinReach:R},{r.P50Reach:R},{r.StdReach:R},{r.CollectiveIntelligence:R},{r.Exchanges},{r.BytesExchanged}\n");
        }

        try
        {
            await File.WriteAllTextAsync(path, text.ToString(), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException($"--csv: cannot write '{path}': {e.Message}", ExitCodes.RuntimeFailure);
        }
    }

    private static string Table(SimulationResult result, double seconds)
    {
        var spec = result.Spec;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"GlobalBrain simulation: N = {spec.Experts:N0}, v = {spec.FlowRate:G}, {Name(spec.Mode)}, {Describe(spec.Topology)}, {Name(spec.Scenario)} (I = {result.DistinctItems:N0}), seed {spec.Seed}\n");
        text.Append("  round   mean reach   min reach   p50 reach   std reach   collective intelligence     exchanges   bytes exchanged\n");
        var rounds = result.Rounds;
        var step = Math.Max(1, (rounds.Count + MaxTableRows - 1) / MaxTableRows);
        for (var i = 0; i < rounds.Count; i++)
        {
            if (i % step != 0 && i != rounds.Count - 1)
            {
                continue;
            }

            var r = rounds[i];
            text.Append(CultureInfo.InvariantCulture,
                $"  {r.Round,5}   {r.MeanReach,10:F4}   {r.MinReach,9:F4}   {r.P50Reach,9:F4}   {r.StdReach,9:F4}   {r.CollectiveIntelligence,23:N0}   {r.Exchanges,11:N0}   {r.BytesExchanged,15:N0}\n");
        }

        if (step > 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"  (every {step}th round of {rounds.Count - 1:N0}; --csv FILE has them all)\n");
        }

        var exchanges = rounds.Sum(r => r.Exchanges);
        text.Append(result.RoundsToFullCoverage is { } full
            ? string.Create(CultureInfo.InvariantCulture, $"  everyone holds everything{(spec.Epsilon > 0 ? $" (min reach ≥ {1 - spec.Epsilon:G})" : string.Empty)} after {full:N0} rounds\n")
            : "  not everyone holds everything yet\n");
        text.Append(CultureInfo.InvariantCulture, $"  {seconds:F2} s, {exchanges / Math.Max(seconds, 1e-9):N0} exchanges/s\n");
        return text.ToString();
    }

    internal static string Name(ExchangeMode mode) => mode switch
    {
        ExchangeMode.Push => "push",
        ExchangeMode.Pull => "pull",
        _ => "push-pull",
    };

    internal static string Name(TopologyKind kind) => kind switch
    {
        TopologyKind.Complete => "complete",
        TopologyKind.Ring => "ring",
        TopologyKind.SmallWorld => "small-world",
        _ => "scale-free",
    };

    internal static string Name(ScenarioKind scenario) => scenario == ScenarioKind.Rumor ? "rumor" : "items";

    private static string Describe(TopologySpec topology) => topology.Kind switch
    {
        TopologyKind.Ring => $"ring (k = {topology.K})",
        TopologyKind.SmallWorld => string.Create(CultureInfo.InvariantCulture, $"small-world (k = {topology.K}, β = {topology.Beta:G})"),
        TopologyKind.ScaleFree => $"scale-free (m = {topology.M})",
        _ => "complete",
    };

    private sealed class Progress(ProgressLine? line, Stopwatch lastDraw, SimulationSpec spec) : IProgress<RoundStats>
    {
        public void Report(RoundStats value)
        {
            if (line is null || lastDraw.ElapsedMilliseconds < 100)
            {
                return;
            }

            lastDraw.Restart();
            var of = spec.UntilConverged ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"/{spec.MaxRounds:N0}");
            line.Status(string.Create(CultureInfo.InvariantCulture,
                $"simulate {ProgressLine.Bar(value.MeanReach)} round {value.Round:N0}{of}  mean reach {value.MeanReach:F4}  min {value.MinReach:F4}"));
        }
    }

    /// <summary>The --json object: parameters, every round, and when everyone held everything. No timings, so that it is reproducible byte for byte.</summary>
    private sealed record JsonReport(
        int Experts,
        double FlowRate,
        string Mode,
        string Topology,
        int? K,
        double? Beta,
        int? M,
        string Scenario,
        int? ItemsPerExpert,
        int? ExchangeCap,
        ulong Seed,
        int MaxRounds,
        bool UntilConverged,
        double Epsilon,
        long DistinctItems,
        long TopologyEdges,
        IReadOnlyList<RoundStats> Rounds,
        int? RoundsToFullCoverage)
    {
        public static JsonReport From(SimulationResult result)
        {
            var spec = result.Spec;
            var kind = spec.Topology.Kind;
            return new JsonReport(
                spec.Experts,
                spec.FlowRate,
                Name(spec.Mode),
                Name(kind),
                kind is TopologyKind.Ring or TopologyKind.SmallWorld ? spec.Topology.K : null,
                kind == TopologyKind.SmallWorld ? spec.Topology.Beta : null,
                kind == TopologyKind.ScaleFree ? spec.Topology.M : null,
                Name(spec.Scenario),
                spec.Scenario == ScenarioKind.Items ? spec.ItemsPerExpert : null,
                spec.ExchangeCap,
                spec.Seed,
                spec.MaxRounds,
                spec.UntilConverged,
                spec.Epsilon,
                result.DistinctItems,
                result.TopologyEdges,
                result.Rounds,
                result.RoundsToFullCoverage);
        }
    }
}
