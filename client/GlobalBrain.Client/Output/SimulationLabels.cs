using System.Globalization;
using GlobalBrain.Client.Cli;
using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Client.Output;

/// <summary>How <c>simulate</c>'s table and plot name a topology and the values of a grid point.</summary>
internal static class SimulationLabels
{
    /// <summary>The topology with the parameters it uses: "ring (k = 2)", "complete".</summary>
    public static string Topology(TopologySpec topology) => topology.Kind switch
    {
        TopologyKind.Ring => $"ring (k = {topology.K})",
        TopologyKind.SmallWorld => string.Create(CultureInfo.InvariantCulture, $"small-world (k = {topology.K}, β = {topology.Beta:G})"),
        TopologyKind.ScaleFree => $"scale-free (m = {topology.M})",
        _ => "complete",
    };

    /// <summary>The swept values of one grid point, for a legend: only the lists with more than one value.</summary>
    public static string Varied(SimulationGrid grid, SimulationSpec spec, bool withFlowRate)
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
            parts.Add(Topology(spec.Topology));
        }

        return string.Join(", ", parts);
    }

    /// <summary>The values every grid point shares, for a title.</summary>
    /// <param name="seeds">K of --seeds: "seeds S–S+K−1" in place of "seed S".</param>
    public static string Fixed(SimulationGrid grid, SimulationSpec spec, bool withFlowRate, int seeds = 1)
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
            parts.Add(Topology(spec.Topology));
        }

        parts.Add(spec.Scenario.Name());
        parts.Add(seeds > 1
            ? string.Create(CultureInfo.InvariantCulture, $"seeds {spec.Seed}–{spec.Seed + (ulong)(seeds - 1)}")
            : string.Create(CultureInfo.InvariantCulture, $"seed {spec.Seed}"));
        return string.Join(", ", parts);
    }
}
