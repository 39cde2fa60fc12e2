using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Grains.Simulation;

/// <summary>Between the domain's simulation types and their wire forms (arrays are shared, not copied).</summary>
public static class SimulationMapping
{
    public static SimulationParameters ToParameters(this SimulationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new SimulationParameters(
            checked((int)spec.Experts), // block grains hold at most SimulationSpec.MaxExperts

            spec.FlowRate,
            spec.Mode.Name(),
            spec.Topology.Kind.Name(),
            spec.Topology.K,
            spec.Topology.Beta,
            spec.Topology.M,
            spec.Scenario.Name(),
            spec.ItemsPerExpert,
            spec.ExchangeCap,
            spec.Seed,
            spec.MaxRounds,
            spec.UntilConverged,
            spec.Epsilon);
    }

    public static SimulationSpec ToSpec(this SimulationParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new SimulationSpec(
            p.Experts,
            p.FlowRate,
            SimulationNames.Modes.Parse(p.Mode, "mode"),
            new TopologySpec(
                SimulationNames.Topologies.Parse(p.Topology, "topology"),
                p.K,
                p.Beta,
                p.M),
            SimulationNames.Scenarios.Parse(p.Scenario, "scenario"),
            p.Seed,
            p.MaxRounds,
            p.UntilConverged,
            p.Epsilon,
            p.ItemsPerExpert,
            p.ExchangeCap);
    }

    public static SimulationRows ToWire(this RowBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return new SimulationRows(batch.To, batch.From, batch.Draw, batch.Rows, batch.RowWords);
    }

    public static RowBatch ToDomain(this SimulationRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new RowBatch(rows.To, rows.From, rows.Draw, rows.Rows, rows.RowWords);
    }

    public static SimulationPulls ToWire(this PullBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return new SimulationPulls(batch.Of, batch.For, batch.Draw);
    }

    public static PullBatch ToDomain(this SimulationPulls pulls)
    {
        ArgumentNullException.ThrowIfNull(pulls);
        return new PullBatch(pulls.Of, pulls.For, pulls.Draw);
    }

    public static SimulationBlockStats ToWire(this BlockStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new SimulationBlockStats(stats.Exchanges, stats.Bytes, stats.Informed, stats.Known);
    }

    public static BlockStats ToDomain(this SimulationBlockStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new BlockStats(stats.Exchanges, stats.Bytes, stats.Informed, stats.Known);
    }
}
