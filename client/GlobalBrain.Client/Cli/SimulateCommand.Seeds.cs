using System.Globalization;
using GlobalBrain.Client.Output;
using GlobalBrain.Client.Statistics;
using GlobalBrain.Domain.Simulation;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Simulation;

namespace GlobalBrain.Client.Cli;

/// <summary><c>simulate --seeds K</c>: every grid point run with K seeds, and the outputs as statistics over them.</summary>
public sealed partial class SimulateCommand
{
    /// <summary>The most seeds per grid point.</summary>
    public const int MaxSeeds = 10_000;

    // A run of more experts already keeps every core busy, and its state is large: such runs go one at a time.
    private const long MaxExpertsForParallelSeeds = 1_000_000;

    private static void CheckSeeds(SimulateArguments arguments)
    {
        if (arguments.Seeds is < 1 or > MaxSeeds)
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--seeds must be from 1 to {MaxSeeds} (got {arguments.Seeds})"), ExitCodes.Usage);
        }

        if (arguments.Spec.Seed > ulong.MaxValue - (ulong)(arguments.Seeds - 1))
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"--seed {arguments.Spec.Seed} with --seeds {arguments.Seeds} would run seeds past {ulong.MaxValue}: lower --seed"), ExitCodes.Usage);
        }
    }

    /// <summary>
    /// Runs every grid point with seeds S … S + K − 1, several runs at once. Each run depends only on its
    /// spec and seed, and lands in its own slot, so the results are the same for any parallelism.
    /// </summary>
    private async Task<List<SeedRuns>> RunSeedsAsync(
        SimulateArguments arguments,
        IReadOnlyList<SimulationSpec> specs,
        List<bool> compact,
        ClusterConnection? cluster,
        Dictionary<long, ItemAssignment> assignments,
        CancellationToken cancellationToken)
    {
        var blocks = await BlockCountAsync(cluster, cancellationToken);
        var k = arguments.Seeds;
        var runs = new SimulationResult[specs.Count][];
        for (var i = 0; i < specs.Count; i++)
        {
            runs[i] = new SimulationResult[k];
        }

        var total = specs.Count * k;
        var done = 0;
        var progress = context.Interactive ? new ProgressLine(context.Error, 0) : null;
        // An asynchronous run is sequential: its seeds run side by side whatever N.
        var parallelism = arguments.SeedParallelism ?? (specs.All(s => s.Clock != SimulationClock.Rounds) || specs.Max(s => s.Experts) <= MaxExpertsForParallelSeeds ? Environment.ProcessorCount : 1);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, total), options, async (job, token) =>
        {
            var (point, seed) = Math.DivRem(job, k);
            var spec = specs[point] with { Seed = specs[point].Seed + (ulong)seed };
            runs[point][seed] = compact[point]
                ? RunInProcess(arguments, spec, null, null, token)
                : await ClusterSimulation.RunAsync(cluster!.Client, spec, blocks, null, assignments.GetValueOrDefault(spec.Experts), token);
            var finished = Interlocked.Increment(ref done);
            progress?.Status(string.Create(CultureInfo.InvariantCulture, $"simulate {ProgressLine.Bar((double)finished / total)} {finished:N0}/{total:N0} runs ({specs.Count:N0} grid points × {k:N0} seeds)"));
        });
        progress?.Clear();
        return [.. runs.Select(r => new SeedRuns(r))];
    }

    /// <summary>About four blocks per core of the cluster's silos, so that every core has work; 0 without a cluster.</summary>
    private static async Task<int> BlockCountAsync(ClusterConnection? cluster, CancellationToken cancellationToken) =>
        cluster is null ? 0 : (await IngestDispatcher.ConnectAsync(cluster.Client, cancellationToken: cancellationToken)).Fronts.Sum(f => f.Cores) * 4;

    /// <summary>The outputs as statistics over the seeds.</summary>
    private static Outputs SeedOutputs(SimulationGrid grid, PlotAxis plotAxis, List<SeedRuns> points, double seconds)
    {
        var sweep = points.Count > 1;
        return new Outputs(
            () => sweep ? SimulationCsv.SeedsSweep(points) : SimulationCsv.Seeds(points[0]),
            () => ReachCurves.Seeds(plotAxis, grid, points),
            () => sweep ? SimulationJson.SeedsSweep(points) : SimulationJson.Seeds(points[0]),
            () => sweep ? SimulationTable.SeedsSweep(points, seconds) : SimulationTable.Seeds(points[0], seconds));
    }

    private async Task ReportSeedsNotConvergedAsync(SimulationSpec template, List<SeedRuns> points)
    {
        var open = points.Sum(p => p.Runs.Count(r => r.RoundsToFullCoverage is null));
        if (template.UntilConverged && open > 0)
        {
            await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"globalbrain: {open:N0} of {points.Sum(p => p.Runs.Count):N0} runs not converged after {template.MaxRounds:N0} {(template.Clock == SimulationClock.Rounds ? "rounds (rounds to full coverage are over the runs that converged: n); raise --rounds or --flow-rate" : "periods of 1/v s (the times are over the runs that got there: n); raise --rounds")}"));
        }
    }
}
