using System.Diagnostics;
using System.Globalization;
using System.Text;
using GlobalBrain.Client.Output;
using GlobalBrain.Domain.Simulation;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Simulation;

namespace GlobalBrain.Client.Cli;

/// <summary>
/// <c>globalbrain simulate</c>: synchronous gossip rounds over N experts held in block grains on the
/// cluster (<see cref="ClusterSimulation"/>; an embedded silo unless --cluster),
/// printed as a table (a progress line on a terminal), a CSV of every round, or one JSON object whose
/// bytes depend only on the parameters and the seed; optionally a PNG of the reach curves. Comma lists
/// for N, v, mode and topology run every point of their grid and print one summary over it.
/// </summary>
public sealed partial class SimulateCommand(CliContext context)
{
    private const int MaxListedErrors = 5;

    public async Task<int> RunAsync(SimulateArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var grid = arguments.Grid ?? SimulationGrid.Of(arguments.Spec);
        CheckSeeds(arguments);
        var specs = ExpandGrid(arguments, grid);
        var compact = specs.Select(s => UsesCompactEngine(arguments, s)).ToList();
        if (arguments.Checkpoint is { } checkpointPath)
        {
            if (specs.Count > 1 || !compact[0] || arguments.Seeds > 1)
            {
                throw new CliException("--checkpoint saves a single run of the compact engine (--scenario rumor --topology complete, no comma lists, no --seeds, no --cluster, not --engine blocks)", ExitCodes.Usage);
            }

            if (arguments.Spec.Churn > 0)
            {
                throw new CliException("--checkpoint does not save --churn runs (a run resumed with another R would mix two): leave out one of them", ExitCodes.Usage);
            }

            if (arguments.Spec.Clock != SimulationClock.Rounds)
            {
                throw new CliException($"--checkpoint saves runs of synchronous rounds only (got --clock {arguments.Spec.Clock.Name()}): leave out --checkpoint, or use --clock rounds", ExitCodes.Usage);
            }

            OutputFile.RequireWritable("--checkpoint", checkpointPath);
        }

        var corpus = arguments.Spec.Scenario == ScenarioKind.Corpus ? await SimulationCorpus.ReadAsync(arguments.Docs!, context, cancellationToken) : null;
        var assignments = corpus?.Assign(specs) ?? [];
        var plotAxis = PlotAxisFor(arguments, grid);
        OutputFile.RequireWritable("--csv", arguments.Csv);
        OutputFile.RequireWritable("--plot", arguments.Plot);

        // The experts live in block grains on the cluster (an embedded silo unless --cluster): the same
        // grain code as a live cluster, about four blocks per core so that every core has work.
        // The compact engine needs no cluster: a run of only compact points starts none.
        await using var cluster = compact.All(c => c)
            ? null
            : arguments.Cluster is null
                ? await ClusterConnection.StartEmbeddedAsync(null, null, cancellationToken)
                : await ClusterConnection.ConnectAsync(arguments.Cluster, cancellationToken);
        var clock = Stopwatch.StartNew();
        if (arguments.Seeds > 1)
        {
            var points = await RunSeedsAsync(arguments, specs, compact, cluster, assignments, cancellationToken);
            await WriteOutputsAsync(arguments, SeedOutputs(grid, plotAxis, points, clock.Elapsed.TotalSeconds), cancellationToken);
            await ReportSeedsNotConvergedAsync(arguments.Spec, points);
        }
        else
        {
            var results = await RunPointsAsync(arguments, specs, compact, cluster, assignments, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            var sweep = results.Count > 1;
            await WriteOutputsAsync(
                arguments,
                new Outputs(
                    () => sweep ? SimulationCsv.Sweep(results) : SimulationCsv.Run(results[0]),
                    () => ReachCurves.Of(plotAxis, grid, results),
                    () => sweep ? SimulationJson.Sweep(results) : SimulationJson.Run(results[0]),
                    () => sweep ? SimulationTable.Sweep(results, seconds) : SimulationTable.Run(results[0], seconds)),
                cancellationToken);
            await ReportNotConvergedAsync(arguments.Spec, results);
        }

        if (corpus is { Rejected: > 0 })
        {
            await context.Error.WriteLineAsync($"globalbrain: {corpus.Rejected} input(s) of --docs rejected; the simulation used the valid documents");
            return ExitCodes.Usage;
        }

        return ExitCodes.Success;
    }

    /// <summary>Every grid point as a spec, all checked before any runs, so that a bad value late in the grid does not waste the ones before it.</summary>
    private static IReadOnlyList<SimulationSpec> ExpandGrid(SimulateArguments arguments, SimulationGrid grid)
    {
        if (grid.Count > SimulationGrid.MaxPoints)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"the sweep has {grid.Count:N0} grid points ({grid.Experts.Count} --experts × {grid.FlowRates.Count} --flow-rate × {grid.Modes.Count} --mode × {grid.Topologies.Count} --topology); the most is {SimulationGrid.MaxPoints:N0}: shorten a list"), ExitCodes.Usage);
        }

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

        return specs;
    }

    /// <summary>Runs the grid points in order, each on its engine, reporting progress on stderr.</summary>
    private async Task<List<SimulationResult>> RunPointsAsync(
        SimulateArguments arguments,
        IReadOnlyList<SimulationSpec> specs,
        List<bool> compact,
        ClusterConnection? cluster,
        Dictionary<long, ItemAssignment> assignments,
        CancellationToken cancellationToken)
    {
        var blocks = await BlockCountAsync(cluster, cancellationToken);
        var progress = context.Interactive ? new ProgressLine(context.Error, 0) : null;
        // A checkpointed run is a long one, often in the background: its progress goes to stderr a line a round.
        var log = progress is null && arguments.Checkpoint is not null ? context.Error : null;
        var lastDraw = Stopwatch.StartNew();
        var results = new List<SimulationResult>(specs.Count);
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var point = specs.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $"point {i + 1}/{specs.Count} ") : string.Empty;
            var report = new SimulationProgress(progress, log, lastDraw, spec, point);
            if (compact[i])
            {
                var checkpoint = arguments.Checkpoint is { } file ? new CompactCheckpoint(file) : null;
                try
                {
                    results.Add(await Task.Run(() => RunInProcess(arguments, spec, report, checkpoint, cancellationToken), cancellationToken));
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

        progress?.Clear();
        return results;
    }

    /// <summary>--csv and --plot files, then the table or the JSON on stdout, each rendered only when asked for.</summary>
    private async Task WriteOutputsAsync(SimulateArguments arguments, Outputs outputs, CancellationToken cancellationToken)
    {
        if (arguments.Csv is { } csv)
        {
            await OutputFile.WriteAsync("--csv", csv, Encoding.UTF8.GetBytes(outputs.Csv()), cancellationToken);
        }

        if (arguments.Plot is { } plot)
        {
            await WritePlotAsync(plot, outputs.Plot(), cancellationToken);
        }

        if (arguments.Json)
        {
            await context.Out.WriteLineAsync(outputs.Json());
        }
        else
        {
            await context.Out.WriteAsync(outputs.Table());
        }
    }

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

    private async Task WritePlotAsync(string path, ReachCurves curves, CancellationToken cancellationToken)
    {
        if (curves.Series.Count > SimulationPlot.MaxLegendEntries)
        {
            await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: --plot: {curves.Series.Count} curves are too many for a legend ({SimulationPlot.MaxLegendEntries} at most); drawn without one"));
        }

        if (!SimulationPlot.HasFonts)
        {
            await context.Error.WriteLineAsync("globalbrain: --plot: no fonts are installed (/usr/share/fonts), so the plot has no title, labels or legend; install one, e.g. apt-get install fonts-dejavu-core");
        }

        await OutputFile.WriteAsync("--plot", path, curves.RenderPng(), cancellationToken);
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
        if (spec.Clock != SimulationClock.Rounds)
        {
            await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: {(results.Count == 1 ? "not" : $"{open.Count} of {results.Count} grid points not")} converged within --rounds {spec.MaxRounds:N0} periods of 1/v s (min reach < {1 - spec.Epsilon:G}); raise --rounds"));
            return;
        }

        await context.Error.WriteLineAsync(results.Count == 1
            ? string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: not converged after {spec.MaxRounds:N0} rounds (min reach {open[0].Rounds[^1].MinReach:G4} < {1 - spec.Epsilon:G}); raise --rounds or --flow-rate")
            : string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: {open.Count} of {results.Count} grid points not converged after {spec.MaxRounds:N0} rounds (— in the table, null in --json); raise --rounds or --flow-rate"));
    }

    /// <summary>The outputs of one invocation (a run, a sweep, or either over seeds), rendered on demand.</summary>
    private sealed record Outputs(Func<string> Csv, Func<ReachCurves> Plot, Func<string> Json, Func<string> Table);
}
