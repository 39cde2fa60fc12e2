using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using GlobalBrain.Client.Output;
using GlobalBrain.Client.Input;
using GlobalBrain.Domain.Documents;
using GlobalBrain.Domain.Simulation;
using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Simulation;

namespace GlobalBrain.Client.Cli;

/// <summary>What <c>simulate --plot</c> puts on the x axis.</summary>
public enum PlotAxis
{
    /// <summary>Against v when --flow-rate lists several values, else against the round.</summary>
    Auto,

    /// <summary>Reach against the round: one mean-reach curve per run (and min reach, dashed, for a single run).</summary>
    Round,

    /// <summary>Final mean reach against v: one line per combination of the other swept values.</summary>
    FlowRate,
}

/// <summary>Which engine runs a simulation.</summary>
public enum SimulationEngine
{
    /// <summary>The compact engine for the rumor on the complete graph without --cluster, block grains otherwise.</summary>
    Auto,

    /// <summary><see cref="CompactRumorSimulation"/> in this process: two bits per expert, up to 1.6·10^10 experts; the rumor on the complete graph only.</summary>
    Compact,

    /// <summary>Block grains on the cluster (an embedded silo unless --cluster): every scenario and topology, up to 10^8 experts.</summary>
    Blocks,
}

/// <summary>
/// The comma lists of a sweep. The grid is their product (N outermost, then v, mode, topology), every
/// point with the other options and the seed of the template spec.
/// </summary>
public sealed record SimulationGrid(
    IReadOnlyList<long> Experts,
    IReadOnlyList<double> FlowRates,
    IReadOnlyList<ExchangeMode> Modes,
    IReadOnlyList<TopologyKind> Topologies)
{
    /// <summary>The most grid points one sweep may have.</summary>
    public const int MaxPoints = 1_000;

    /// <summary>The number of grid points.</summary>
    public long Count => (long)Experts.Count * FlowRates.Count * Modes.Count * Topologies.Count;

    /// <summary>The grid of one point: the template's own values.</summary>
    public static SimulationGrid Of(SimulationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new([spec.Experts], [spec.FlowRate], [spec.Mode], [spec.Topology.Kind]);
    }

    /// <summary>Every grid point as a spec: the template with N, v, mode and topology kind replaced.</summary>
    public IReadOnlyList<SimulationSpec> Expand(SimulationSpec template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var specs = new List<SimulationSpec>();
        foreach (var experts in Experts)
        {
            foreach (var flowRate in FlowRates)
            {
                foreach (var mode in Modes)
                {
                    foreach (var kind in Topologies)
                    {
                        specs.Add(template with { Experts = experts, FlowRate = flowRate, Mode = mode, Topology = template.Topology with { Kind = kind } });
                    }
                }
            }
        }

        return specs;
    }
}

/// <summary>The options of <c>globalbrain simulate</c>, as parsed.</summary>
/// <param name="Spec">The run, or with <paramref name="Grid"/> the template of every grid point.</param>
/// <param name="Grid">The swept values; null runs <paramref name="Spec"/> alone.</param>
public sealed record SimulateArguments(
    SimulationSpec Spec,
    string? Docs,
    string? Csv,
    bool Json,
    SimulationGrid? Grid = null,
    string? Plot = null,
    PlotAxis PlotX = PlotAxis.Auto,
    string? Cluster = null,
    SimulationEngine Engine = SimulationEngine.Auto,
    string? Checkpoint = null);

/// <summary>
/// <c>globalbrain simulate</c>: synchronous gossip rounds over N experts held in block grains on the
/// cluster (<see cref="ClusterSimulation"/>; an embedded silo unless --cluster),
/// printed as a table (a progress line on a terminal), a CSV of every round, or one JSON object whose
/// bytes depend only on the parameters and the seed; optionally a PNG of the reach curves. Comma lists
/// for N, v, mode and topology run every point of their grid and print one summary over it.
/// </summary>
public sealed class SimulateCommand(CliContext context)
{
    private const int MaxTableRows = 40;
    private const int MaxListedErrors = 5;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async Task<int> RunAsync(SimulateArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var grid = arguments.Grid ?? SimulationGrid.Of(arguments.Spec);
        if (grid.Count > SimulationGrid.MaxPoints)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"the sweep has {grid.Count:N0} grid points ({grid.Experts.Count} --experts × {grid.FlowRates.Count} --flow-rate × {grid.Modes.Count} --mode × {grid.Topologies.Count} --topology); the most is {SimulationGrid.MaxPoints:N0}: shorten a list"), ExitCodes.Usage);
        }

        // Every point is checked before any runs, so that a bad value late in the grid does not waste the ones before it.
        var specs = grid.Expand(arguments.Spec);
        var errors = specs.SelectMany(s => s.Validate()).Distinct(StringComparer.Ordinal).ToList();
        if (errors.Count > 0)
        {
            var more = errors.Count > MaxListedErrors ? $"; and {errors.Count - MaxListedErrors} more" : string.Empty;
            throw new CliException(string.Join("; ", errors.Take(MaxListedErrors)) + more, ExitCodes.Usage);
        }

        if (arguments.Docs is not null && arguments.Spec.Scenario != ScenarioKind.Corpus)
        {
            throw new CliException("--docs is used by --scenario corpus only", ExitCodes.Usage);
        }

        var compact = specs.Select(s => UsesCompactEngine(arguments, s)).ToList();
        if (arguments.Checkpoint is { } checkpointPath)
        {
            if (specs.Count > 1 || !compact[0])
            {
                throw new CliException("--checkpoint saves a single run of the compact engine (--scenario rumor --topology complete, no comma lists, no --cluster, not --engine blocks)", ExitCodes.Usage);
            }

            RequireWritableLocation("--checkpoint", checkpointPath);
        }

        var corpus = arguments.Spec.Scenario == ScenarioKind.Corpus ? await ReadCorpusAsync(arguments.Docs!, cancellationToken) : null;
        var assignments = new Dictionary<long, ItemAssignment>();
        if (corpus is not null)
        {
            foreach (var spec in specs)
            {
                if (!assignments.TryGetValue(spec.Experts, out var assignment))
                {
                    assignments[spec.Experts] = assignment = ItemAssignment.FromDocuments(corpus.Documents, (int)spec.Experts); // validated: ≤ MaxExperts
                }

                try
                {
                    GossipSimulation.Validate(spec, assignment);
                }
                catch (ArgumentException e)
                {
                    throw new CliException(e.Message.Split(" (Parameter", 2)[0], ExitCodes.Usage);
                }
            }
        }

        var plotAxis = PlotAxisFor(arguments, grid);
        RequireWritableLocation("--csv", arguments.Csv);
        RequireWritableLocation("--plot", arguments.Plot);

        // The experts live in block grains on the cluster (an embedded silo unless --cluster): the same
        // grain code as a live cluster, about four blocks per core so that every core has work.
        // The compact engine needs no cluster: a run of only compact points starts none.
        await using var cluster = compact.All(c => c)
            ? null
            : arguments.Cluster is null
                ? await ClusterConnection.StartEmbeddedAsync(null, null, cancellationToken)
                : await ClusterConnection.ConnectAsync(arguments.Cluster, cancellationToken);
        var blocks = cluster is null ? 0 : (await IngestDispatcher.ConnectAsync(cluster.Client, cancellationToken: cancellationToken)).Fronts.Sum(f => f.Cores) * 4;
        var progress = context.Interactive ? new ProgressLine(context.Error, 0) : null;
        // A checkpointed run is a long one, often in the background: its progress goes to stderr a line a round.
        var log = progress is null && arguments.Checkpoint is not null ? context.Error : null;
        var lastDraw = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        var results = new List<SimulationResult>(specs.Count);
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var point = specs.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $"point {i + 1}/{specs.Count} ") : string.Empty;
            var report = new Progress(progress, log, lastDraw, spec, point);
            if (compact[i])
            {
                var checkpoint = arguments.Checkpoint is { } file ? new CompactCheckpoint(file) : null;
                try
                {
                    results.Add(await Task.Run(() => CompactRumorSimulation.Run(spec, report, checkpoint, cancellationToken), cancellationToken));
                }
                catch (InvalidDataException e)
                {
                    throw new CliException($"--checkpoint: {e.Message}", ExitCodes.Usage);
                }
                catch (IOException e)
                {
                    throw new CliException($"--checkpoint: cannot use '{checkpoint?.Path}': {e.Message}", ExitCodes.RuntimeFailure);
                }
            }
            else
            {
                results.Add(await ClusterSimulation.RunAsync(cluster!.Client, spec, blocks, report, assignments.GetValueOrDefault(spec.Experts), cancellationToken));
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        progress?.Clear();
        var sweep = specs.Count > 1;

        if (arguments.Csv is { } csv)
        {
            await WriteFileAsync("--csv", csv, Encoding.UTF8.GetBytes(sweep ? SweepCsv(results) : Csv(results[0])), cancellationToken);
        }

        if (arguments.Plot is { } plot)
        {
            await WritePlotAsync(plot, plotAxis, grid, results, cancellationToken);
        }

        if (arguments.Json)
        {
            var json = sweep
                ? JsonSerializer.Serialize(new SweepReport([.. results.Select(SweepPoint.From)]), JsonOptions)
                : JsonSerializer.Serialize(JsonReport.From(results[0]), JsonOptions);
            await context.Out.WriteLineAsync(json);
        }
        else
        {
            await context.Out.WriteAsync(sweep ? SweepTable(results, seconds) : Table(results[0], seconds));
        }

        await ReportNotConvergedAsync(arguments.Spec, results);
        if (corpus is { Rejected: > 0 })
        {
            await context.Error.WriteLineAsync($"globalbrain: {corpus.Rejected} input(s) of --docs rejected; the simulation used the valid documents");
            return ExitCodes.Usage;
        }

        return ExitCodes.Success;
    }

    /// <summary>Parses a comma list of option values; every bad (<paramref name="complaint"/> says why), empty or repeated item is reported naming the option.</summary>
    internal static IReadOnlyList<T> ParseList<T>(ArgumentResult result, string option, Func<string, T?> parseItem, Func<string, string> complaint)
        where T : struct
    {
        var text = string.Join(',', result.Tokens.Select(t => t.Value));
        var values = new List<T>();
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0)
            {
                result.AddError($"{option}: an empty item in '{text}' (a comma list has no blank entries: 1000,10000)");
            }
            else if (parseItem(item) is not { } value)
            {
                result.AddError($"{option}: {complaint(item)}" + (text.Contains(',', StringComparison.Ordinal) ? $" (in '{text}')" : string.Empty));
            }
            else if (values.Contains(value))
            {
                result.AddError($"{option}: '{item}' is listed twice in '{text}'");
            }
            else
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <summary>Whether <paramref name="spec"/> runs on the compact engine; throws a usage error when --engine asks for one that cannot run it.</summary>
    private static bool UsesCompactEngine(SimulateArguments arguments, SimulationSpec spec)
    {
        switch (arguments.Engine)
        {
            case SimulationEngine.Compact when !spec.IsCompact:
                throw new CliException($"--engine compact runs --scenario rumor on --topology complete only (got {spec.Scenario.Name()} on {spec.Topology.Kind.Name()})", ExitCodes.Usage);
            case SimulationEngine.Compact when arguments.Cluster is not null:
                throw new CliException("--engine compact runs in this process: leave out --cluster", ExitCodes.Usage);
            case SimulationEngine.Blocks or SimulationEngine.Auto when spec.Experts > SimulationSpec.MaxExperts && (arguments.Engine == SimulationEngine.Blocks || arguments.Cluster is not null):
                throw new CliException(string.Create(CultureInfo.InvariantCulture,
                    $"--experts {spec.Experts:N0}: block grains{(arguments.Cluster is null ? string.Empty : " on --cluster")} hold at most {SimulationSpec.MaxExperts:N0} experts; more run in this process (leave out {(arguments.Cluster is null ? "--engine blocks" : "--cluster")})"), ExitCodes.Usage);
            case SimulationEngine.Compact:
                return true;
            case SimulationEngine.Blocks:
                return false;
            default:
                return spec.IsCompact && arguments.Cluster is null;
        }
    }

    /// <summary>An integer as written in invariant culture, or null.</summary>
    internal static int? ParseInt(string item) =>
        int.TryParse(item, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A 64-bit integer as written in invariant culture, or null.</summary>
    internal static long? ParseLong(string item) =>
        long.TryParse(item, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A finite number as written in invariant culture (1.5, 1e-3), or null.</summary>
    internal static double? ParseDouble(string item) =>
        double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    /// <summary>The mode of a command-line name (push, pull, push-pull), or null.</summary>
    internal static ExchangeMode? ParseMode(string item) => SimulationNames.Modes.TryParse(item, out var mode) ? mode : null;

    /// <summary>The topology of a command-line name (complete, ring, small-world, scale-free), or null.</summary>
    internal static TopologyKind? ParseTopology(string item) => SimulationNames.Topologies.TryParse(item, out var kind) ? kind : null;

    /// <summary>The documents of --docs, tokenized with the default tokenizer on all cores; bad inputs are reported and skipped, as in ingest.</summary>
    private async Task<CorpusDocuments> ReadCorpusAsync(string docs, CancellationToken cancellationToken)
    {
        var source = new DocumentSource([docs], TextSplit.None, StdinFormat.Auto, context.OpenStdin);
        var documents = source.ReadDocuments().ToList();
        foreach (var rejection in source.Rejections.Take(20))
        {
            var where = rejection.Line is { } line ? $"{rejection.Source}:{line}" : rejection.Source;
            await context.Error.WriteLineAsync($"globalbrain: rejected {where}: {rejection.Message}");
        }

        if (documents.Count == 0)
        {
            throw new CliException($"--docs {docs}: no documents to simulate with", ExitCodes.Usage);
        }

        var encoder = TextEncoders.Get(TextEncoders.Default);
        var tokens = new int[documents.Count][];
        Parallel.For(0, documents.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => tokens[i] = encoder.Encode(documents[i].Text));
        return new CorpusDocuments([.. documents.Select((d, i) => (d.Id, tokens[i]))], source.Rejections.Count);
    }

    private sealed record CorpusDocuments(IReadOnlyList<(string Id, int[] TokenIds)> Documents, int Rejected);

    private static PlotAxis PlotAxisFor(SimulateArguments arguments, SimulationGrid grid)
    {
        if (arguments.Plot is not { } plot)
        {
            return arguments.PlotX == PlotAxis.Auto ? PlotAxis.Auto : throw new CliException("--plot-x needs --plot FILE.png", ExitCodes.Usage);
        }

        if (!string.Equals(Path.GetExtension(plot), ".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"--plot writes a PNG: the file name must end in .png (got '{plot}')", ExitCodes.Usage);
        }

        return arguments.PlotX switch
        {
            PlotAxis.FlowRate when grid.FlowRates.Count < 2 => throw new CliException("--plot-x flow-rate needs several --flow-rate values (a comma list such as 0.25,0.5,1,2)", ExitCodes.Usage),
            PlotAxis.Auto => grid.FlowRates.Count > 1 ? PlotAxis.FlowRate : PlotAxis.Round,
            _ => arguments.PlotX,
        };
    }

    // Checked up front so that a long sweep does not run only to find it cannot write its output.
    private static void RequireWritableLocation(string option, string? path)
    {
        if (path is null)
        {
            return;
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliException($"{option}: cannot write '{path}': {e.Message}", ExitCodes.RuntimeFailure);
        }

        if (Directory.Exists(full))
        {
            throw new CliException($"{option}: cannot write '{path}': it is a directory", ExitCodes.RuntimeFailure);
        }

        if (Path.GetDirectoryName(full) is { } directory && !Directory.Exists(directory))
        {
            throw new CliException(File.Exists(directory)
                ? $"{option}: cannot write '{path}': '{directory}' is a file, not a directory"
                : $"{option}: cannot write '{path}': the directory '{directory}' does not exist", ExitCodes.RuntimeFailure);
        }
    }

    private static async Task WriteFileAsync(string option, string path, byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            await File.WriteAllBytesAsync(path, bytes, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException($"{option}: cannot write '{path}': {e.Message}", ExitCodes.RuntimeFailure);
        }
    }

    private async Task WritePlotAsync(string path, PlotAxis axis, SimulationGrid grid, List<SimulationResult> results, CancellationToken cancellationToken)
    {
        var template = results[0].Spec;
        string title, xLabel, yLabel;
        List<PlotSeries> series;
        if (axis == PlotAxis.FlowRate)
        {
            // One line per combination of the other swept values, its points in increasing v.
            series = [.. results
                .GroupBy(r => (r.Spec.Experts, r.Spec.Mode, r.Spec.Topology.Kind))
                .Select(g =>
                {
                    var points = g.OrderBy(r => r.Spec.FlowRate).ToList();
                    var label = Varied(grid, g.First().Spec, withFlowRate: false);
                    return new PlotSeries(
                        label.Length > 0 ? label : string.Create(CultureInfo.InvariantCulture, $"N = {g.Key.Experts:N0}"),
                        [.. points.Select(r => r.Spec.FlowRate)],
                        [.. points.Select(r => r.Rounds[^1].MeanReach)],
                        Markers: true);
                })];
            var after = template.UntilConverged
                ? string.Create(CultureInfo.InvariantCulture, $"at the end (until converged, ≤ {template.MaxRounds:N0} rounds)")
                : string.Create(CultureInfo.InvariantCulture, $"after {template.MaxRounds:N0} rounds");
            title = $"Mean reach {after} — {Fixed(grid, template, withFlowRate: false)}";
            xLabel = "v (exchanges each expert starts per round)";
            yLabel = $"mean reach {after}";
        }
        else if (results.Count == 1)
        {
            var rounds = results[0].Rounds;
            double[] x = [.. rounds.Select(r => (double)r.Round)];
            series =
            [
                new PlotSeries("mean reach", x, [.. rounds.Select(r => r.MeanReach)], ColorIndex: 0),
                new PlotSeries("min reach", x, [.. rounds.Select(r => r.MinReach)], Dashed: true, ColorIndex: 0),
            ];
            title = Fixed(grid, template, withFlowRate: true);
            xLabel = "round";
            yLabel = "reach (share of all items an expert holds)";
        }
        else
        {
            series = [.. results.Select(r => new PlotSeries(
                Varied(grid, r.Spec, withFlowRate: true),
                [.. r.Rounds.Select(s => (double)s.Round)],
                [.. r.Rounds.Select(s => s.MeanReach)]))];
            title = $"Mean reach by round — {Fixed(grid, template, withFlowRate: true)}";
            xLabel = "round";
            yLabel = "mean reach";
        }

        if (series.Count > SimulationPlot.MaxLegendEntries)
        {
            await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: --plot: {series.Count} curves are too many for a legend ({SimulationPlot.MaxLegendEntries} at most); drawn without one"));
        }

        if (!SimulationPlot.HasFonts)
        {
            await context.Error.WriteLineAsync("globalbrain: --plot: no fonts are installed (/usr/share/fonts), so the plot has no title, labels or legend; install one, e.g. apt-get install fonts-dejavu-core");
        }

        await WriteFileAsync("--plot", path, SimulationPlot.RenderPng(title, xLabel, yLabel, series), cancellationToken);
    }

    /// <summary>The swept values of one grid point, for a legend: only the lists with more than one value.</summary>
    private static string Varied(SimulationGrid grid, SimulationSpec spec, bool withFlowRate)
    {
        var parts = new List<string>();
        if (grid.Experts.Count > 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"N = {spec.Experts:N0}"));
        }

        if (withFlowRate && grid.FlowRates.Count > 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"v = {spec.FlowRate:G}"));
        }

        if (grid.Modes.Count > 1)
        {
            parts.Add(spec.Mode.Name());
        }

        if (grid.Topologies.Count > 1)
        {
            parts.Add(Describe(spec.Topology));
        }

        return string.Join(", ", parts);
    }

    /// <summary>The values every grid point shares, for a title.</summary>
    private static string Fixed(SimulationGrid grid, SimulationSpec spec, bool withFlowRate)
    {
        var parts = new List<string>();
        if (grid.Experts.Count == 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"N = {spec.Experts:N0}"));
        }

        if (withFlowRate && grid.FlowRates.Count == 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"v = {spec.FlowRate:G}"));
        }

        if (grid.Modes.Count == 1)
        {
            parts.Add(spec.Mode.Name());
        }

        if (grid.Topologies.Count == 1)
        {
            parts.Add(Describe(spec.Topology));
        }

        parts.Add(spec.Scenario.Name());
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"seed {spec.Seed}"));
        return string.Join(", ", parts);
    }

    private async Task ReportNotConvergedAsync(SimulationSpec template, List<SimulationResult> results)
    {
        if (!template.UntilConverged)
        {
            return;
        }

        var open = results.Where(r => r.RoundsToFullCoverage is null).ToList();
        if (open.Count == 0)
        {
            return;
        }

        var spec = open[0].Spec;
        await context.Error.WriteLineAsync(results.Count == 1
            ? string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: not converged after {spec.MaxRounds:N0} rounds (min reach {open[0].Rounds[^1].MinReach:G4} < {1 - spec.Epsilon:G}); raise --rounds or --flow-rate")
            : string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: {open.Count} of {results.Count} grid points not converged after {spec.MaxRounds:N0} rounds (— in the table, null in --json); raise --rounds or --flow-rate"));
    }

    private static string Csv(SimulationResult result)
    {
        var text = new StringBuilder(RoundCsvHeader + "\n");
        foreach (var r in result.Rounds)
        {
            AppendRound(text, r);
        }

        return text.ToString();
    }

    private static string SweepCsv(List<SimulationResult> results)
    {
        var text = new StringBuilder("experts,flowRate,mode,topology," + RoundCsvHeader + "\n");
        foreach (var result in results)
        {
            var spec = result.Spec;
            foreach (var r in result.Rounds)
            {
                text.Append(CultureInfo.InvariantCulture, $"{spec.Experts},{spec.FlowRate:R},{spec.Mode.Name()},{spec.Topology.Kind.Name()},");
                AppendRound(text, r);
            }
        }

        return text.ToString();
    }

    private const string RoundCsvHeader = "round,meanReach,minReach,p50Reach,stdReach,collectiveIntelligence,exchanges,bytesExchanged";

    private static void AppendRound(StringBuilder text, RoundStats r) =>
        text.Append(CultureInfo.InvariantCulture, $"{r.Round},{r.MeanReach:R},{r.MinReach:R},{r.P50Reach:R},{r.StdReach:R},{r.CollectiveIntelligence:R},{r.Exchanges},{r.BytesExchanged}\n");

    private static string Table(SimulationResult result, double seconds)
    {
        var spec = result.Spec;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"GlobalBrain simulation: N = {spec.Experts:N0}, v = {spec.FlowRate:G}, {spec.Mode.Name()}, {Describe(spec.Topology)}, {spec.Scenario.Name()} (I = {result.DistinctItems:N0}), seed {spec.Seed}\n");
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

    private static string SweepTable(List<SimulationResult> results, double seconds)
    {
        var spec = results[0].Spec;
        // k, β and m are the same at every point: say them once, for the swept topologies that have them.
        var topologyParameters = results
            .Select(r => r.Spec.Topology.Kind)
            .Distinct()
            .Where(kind => kind != TopologyKind.Complete)
            .Select(kind => Describe(spec.Topology with { Kind = kind }))
            .ToList();
        var scenario = spec.Scenario switch
        {
            ScenarioKind.Items => string.Create(CultureInfo.InvariantCulture, $"items ({spec.ItemsPerExpert} per expert)"),
            _ => spec.Scenario.Name(),
        };
        var cap = spec.ExchangeCap is { } c ? string.Create(CultureInfo.InvariantCulture, $", exchange cap {c:N0}") : string.Empty;
        var rounds = spec.UntilConverged
            ? string.Create(CultureInfo.InvariantCulture, $"until min reach ≥ {1 - spec.Epsilon:G} (at most {spec.MaxRounds:N0} rounds)")
            : string.Create(CultureInfo.InvariantCulture, $"{spec.MaxRounds:N0} rounds");
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"GlobalBrain simulation sweep: {results.Count:N0} grid points, {scenario}{cap}, {rounds}, seed {spec.Seed}{(topologyParameters.Count > 0 ? "; " + string.Join(", ", topologyParameters) : string.Empty)}\n");
        text.Append("              N          v   mode        topology      rounds   full coverage   mean reach   collective intelligence       exchanges\n");
        foreach (var result in results)
        {
            var s = result.Spec;
            var last = result.Rounds[^1];
            var full = result.RoundsToFullCoverage is { } f ? f.ToString("N0", CultureInfo.InvariantCulture) : "—";
            text.Append(CultureInfo.InvariantCulture,
                $"  {s.Experts,13:N0}   {s.FlowRate,8:G}   {s.Mode.Name(),-9}   {s.Topology.Kind.Name(),-11}   {result.Rounds.Count - 1,6:N0}   {full,13}   {last.MeanReach,10:F4}   {last.CollectiveIntelligence,23:N0}   {result.Rounds.Sum(r => r.Exchanges),13:N0}\n");
        }

        var exchanges = results.Sum(r => r.Rounds.Sum(s => s.Exchanges));
        text.Append(CultureInfo.InvariantCulture, $"  {seconds:F2} s, {exchanges / Math.Max(seconds, 1e-9):N0} exchanges/s\n");
        return text.ToString();
    }

    private static string Describe(TopologySpec topology) => topology.Kind switch
    {
        TopologyKind.Ring => $"ring (k = {topology.K})",
        TopologyKind.SmallWorld => string.Create(CultureInfo.InvariantCulture, $"small-world (k = {topology.K}, β = {topology.Beta:G})"),
        TopologyKind.ScaleFree => $"scale-free (m = {topology.M})",
        _ => "complete",
    };

    /// <summary>
    /// The progress of a run: on a terminal one status line (at most ten redraws a second); for a
    /// checkpointed run without a terminal, a line a round on stderr. Both give the round, the informed
    /// fraction (rumor) or mean reach, and an ETA: the rounds left (of --rounds, or, with
    /// --until-converged on the rumor on the complete graph, of the theory's count + 1) times the mean
    /// time of the rounds run so far in this process.
    /// </summary>
    private sealed class Progress(ProgressLine? line, TextWriter? log, Stopwatch lastDraw, SimulationSpec spec, string point) : IProgress<RoundStats>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _firstRound = -1;
        private double _firstSeconds;

        public void Report(RoundStats value)
        {
            if (_firstRound < 0)
            {
                (_firstRound, _firstSeconds) = (value.Round, _clock.Elapsed.TotalSeconds);
            }

            if (log is null && (line is null || lastDraw.ElapsedMilliseconds < 100))
            {
                return;
            }

            lastDraw.Restart();
            var of = spec.UntilConverged ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"/{spec.MaxRounds:N0}");
            var reach = spec.Scenario == ScenarioKind.Rumor
                ? string.Create(CultureInfo.InvariantCulture, $"informed {value.MeanReach:F6}")
                : string.Create(CultureInfo.InvariantCulture, $"mean reach {value.MeanReach:F4}  min {value.MinReach:F4}");
            var text = string.Create(CultureInfo.InvariantCulture, $"round {value.Round:N0}{of}  {reach}{Eta(value)}");
            if (line is not null)
            {
                line.Status($"simulate {point}{ProgressLine.Bar(value.MeanReach)} {text}");
            }
            else
            {
                log!.WriteLine($"globalbrain: simulate {point}{text}");
                log.Flush();
            }
        }

        private string Eta(RoundStats value)
        {
            var done = value.Round - _firstRound;
            if (done < 1)
            {
                return string.Empty;
            }

            var perRound = (_clock.Elapsed.TotalSeconds - _firstSeconds) / done;
            double? total = !spec.UntilConverged
                ? spec.MaxRounds
                : spec.IsCompact && spec.Experts >= 3 && spec.FlowRate == 1 ? Math.Ceiling(GossipTheory.RumorRounds(spec.Mode, spec.Experts)) + 1 : null;
            var timing = string.Create(CultureInfo.InvariantCulture, $"  {perRound:F1} s/round");
            if (total is not { } rounds || value.MinReach >= 1 - spec.Epsilon)
            {
                return timing;
            }

            var left = Math.Max(1, rounds - value.Round);
            var eta = TimeSpan.FromSeconds(Math.Round(left * perRound));
            return string.Create(CultureInfo.InvariantCulture, $"{timing}  ETA {eta:c}{(spec.UntilConverged ? " (theory's rounds)" : string.Empty)}");
        }
    }

    /// <summary>A run's parameters as its JSON reports them (flat, camelCase, first; topology parameters only where they apply).</summary>
    private record RunParameters
    {
        public required long Experts { get; init; }

        public required double FlowRate { get; init; }

        public required string Mode { get; init; }

        public required string Topology { get; init; }

        public int? K { get; init; }

        public double? Beta { get; init; }

        public int? M { get; init; }

        public required string Scenario { get; init; }

        public int? ItemsPerExpert { get; init; }

        public int? ExchangeCap { get; init; }

        public required ulong Seed { get; init; }

        public required int MaxRounds { get; init; }

        public required bool UntilConverged { get; init; }

        public required double Epsilon { get; init; }

        public required long DistinctItems { get; init; }

        public required Int128 TopologyEdges { get; init; }

        public static RunParameters Of(SimulationResult result)
        {
            var spec = result.Spec;
            var kind = spec.Topology.Kind;
            return new RunParameters
            {
                Experts = spec.Experts,
                FlowRate = spec.FlowRate,
                Mode = spec.Mode.Name(),
                Topology = kind.Name(),
                K = kind is TopologyKind.Ring or TopologyKind.SmallWorld ? spec.Topology.K : null,
                Beta = kind == TopologyKind.SmallWorld ? spec.Topology.Beta : null,
                M = kind == TopologyKind.ScaleFree ? spec.Topology.M : null,
                Scenario = spec.Scenario.Name(),
                ItemsPerExpert = spec.Scenario == ScenarioKind.Items ? spec.ItemsPerExpert : null,
                ExchangeCap = spec.ExchangeCap,
                Seed = spec.Seed,
                MaxRounds = spec.MaxRounds,
                UntilConverged = spec.UntilConverged,
                Epsilon = spec.Epsilon,
                DistinctItems = result.DistinctItems,
                TopologyEdges = result.TopologyEdges,
            };
        }
    }

    /// <summary>The --json object: parameters, every round, and when everyone held everything. No timings, so that it is reproducible byte for byte.</summary>
    private sealed record JsonReport : RunParameters
    {
        [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
        private JsonReport(RunParameters parameters)
            : base(parameters)
        {
        }

        [JsonPropertyOrder(1)]
        public IReadOnlyList<RoundStats> Rounds { get; init; } = [];

        [JsonPropertyOrder(2)]
        public int? RoundsToFullCoverage { get; init; }

        public static JsonReport From(SimulationResult result) => new(RunParameters.Of(result))
        {
            Rounds = result.Rounds,
            RoundsToFullCoverage = result.RoundsToFullCoverage,
        };
    }

    /// <summary>The --json object of a sweep: one summary per grid point, in grid order, without timings.</summary>
    private sealed record SweepReport(IReadOnlyList<SweepPoint> Sweep);

    /// <summary>One grid point of a sweep: its parameters and the state after the last round.</summary>
    private sealed record SweepPoint : RunParameters
    {
        [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
        private SweepPoint(RunParameters parameters)
            : base(parameters)
        {
        }

        [JsonPropertyOrder(1)]
        public int RoundsRun { get; init; }

        [JsonPropertyOrder(2)]
        public int? RoundsToFullCoverage { get; init; }

        [JsonPropertyOrder(3)]
        public double FinalMeanReach { get; init; }

        [JsonPropertyOrder(4)]
        public double FinalMinReach { get; init; }

        [JsonPropertyOrder(5)]
        public double FinalCollectiveIntelligence { get; init; }

        [JsonPropertyOrder(6)]
        public long Exchanges { get; init; }

        [JsonPropertyOrder(7)]
        public long BytesExchanged { get; init; }

        public static SweepPoint From(SimulationResult result)
        {
            var last = result.Rounds[^1];
            return new SweepPoint(RunParameters.Of(result))
            {
                RoundsRun = result.Rounds.Count - 1,
                RoundsToFullCoverage = result.RoundsToFullCoverage,
                FinalMeanReach = last.MeanReach,
                FinalMinReach = last.MinReach,
                FinalCollectiveIntelligence = last.CollectiveIntelligence,
                Exchanges = result.Rounds.Sum(r => r.Exchanges),
                BytesExchanged = result.Rounds.Sum(r => r.BytesExchanged),
            };
        }
    }
}
