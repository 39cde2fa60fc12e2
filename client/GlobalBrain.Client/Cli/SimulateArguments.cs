using GlobalBrain.Client.Output;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Cli;

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
