using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Cli;

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
