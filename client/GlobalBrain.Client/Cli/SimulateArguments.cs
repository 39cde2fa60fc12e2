using GlobalBrain.Client.Output;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Cli;

/// <summary>The options of <c>globalbrain simulate</c>, as parsed.</summary>
/// <param name="Spec">The run, or with <paramref name="Grid"/> the template of every grid point.</param>
/// <param name="Grid">The swept values; null runs <paramref name="Spec"/> alone.</param>
/// <param name="Seeds">K: every grid point runs seeds S, S + 1, …, S + K − 1 (S the spec's seed) and reports means and 95% intervals over them; 1 is a single run.</param>
/// <param name="SeedParallelism">How many runs of --seeds run at once (default: one per core for N up to 10^6, else one); the output is the same for any value.</param>
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
    string? Checkpoint = null,
    int Seeds = 1,
    int? SeedParallelism = null);

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
