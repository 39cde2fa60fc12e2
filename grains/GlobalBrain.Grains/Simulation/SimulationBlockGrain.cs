using GlobalBrain.Domain.Simulation;
using Orleans.Concurrency;
using Orleans.Placement;

namespace GlobalBrain.Grains.Simulation;

/// <summary>
/// One block of a simulation's experts (<see cref="SimulationBlock"/>), placed anywhere in the cluster.
/// Reentrant: while it sends its rows to other blocks it must take theirs; incoming batches are only
/// buffered until the next phase, so no turn sees another's half-done work. Not persistent: a run lives
/// as long as its coordinator drives it. Random placement spreads a run's blocks over the silos
/// (the default, resource-optimized placement may keep them all on the coordinator's silo).
/// </summary>
[Reentrant, RandomPlacement]
public sealed class SimulationBlockGrain(TopologyCache topologies) : Grain, ISimulationBlockGrain
{
    private readonly List<RowBatch> _deliveries = [];
    private readonly List<PullBatch> _pulls = [];
    private readonly List<RowBatch> _answers = [];
    private SimulationBlock? _block;
    private string[] _keys = [];

    public Task<SimulationBlockStats> InitializeAsync(SimulationBlockSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var spec = setup.Parameters.ToSpec();
        var start = setup.Index * setup.BlockSize;
        var size = setup.BlockSize;
        var initial = setup.ItemOffsets is { } offsets ? new ItemAssignment(setup.DistinctItems, offsets, setup.Items ?? []) : null;
        _block = new SimulationBlock(spec, topologies.Get(spec), setup.Index, start, (int)Math.Min(spec.Experts, start + size), e => e / size, initial);
        _keys = setup.BlockKeys;
        return Task.FromResult(_block.Initial().ToWire());
    }

    public async Task ExchangeAsync(int round)
    {
        var outbox = Block.Exchange(round);
        var targets = outbox.Deliveries.Keys.Union(outbox.Requests.Keys).Order().ToList();
        var sends = new Task[targets.Count];
        for (var i = 0; i < sends.Length; i++)
        {
            var target = targets[i];
            sends[i] = GrainFactory.GetGrain<ISimulationBlockGrain>(_keys[target]).DeliverAsync(
                round,
                outbox.Deliveries.TryGetValue(target, out var rows) ? rows.ToWire() : null,
                outbox.Requests.TryGetValue(target, out var pulls) ? pulls.ToWire() : null);
        }

        await Task.WhenAll(sends);
    }

    public Task DeliverAsync(int round, SimulationRows? rows, SimulationPulls? pulls)
    {
        if (rows is not null)
        {
            _deliveries.Add(rows.ToDomain());
        }

        if (pulls is not null)
        {
            _pulls.Add(pulls.ToDomain());
        }

        return Task.CompletedTask;
    }

    public async Task ServeAsync(int round)
    {
        var answers = Block.Serve(_deliveries, _pulls);
        _deliveries.Clear();
        _pulls.Clear();
        await Task.WhenAll(answers.Select(a => GrainFactory.GetGrain<ISimulationBlockGrain>(_keys[a.Key]).AnswerAsync(round, a.Value.ToWire())));
    }

    public Task AnswerAsync(int round, SimulationRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        _answers.Add(rows.ToDomain());
        return Task.CompletedTask;
    }

    public Task<SimulationBlockStats> FinishAsync(int round)
    {
        Block.Receive(_answers);
        _answers.Clear();
        return Task.FromResult(Block.Finish().ToWire());
    }

    public Task CloseAsync()
    {
        _block = null;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private SimulationBlock Block => _block ?? throw new InvalidOperationException($"simulation block {this.GetPrimaryKeyString()} was not initialized (or its run was closed)");
}
