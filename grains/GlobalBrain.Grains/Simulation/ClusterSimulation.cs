using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Grains.Simulation;

/// <summary>
/// Drives a simulation whose experts live in block grains spread over the cluster: the coordinator of
/// DESIGN.md's "simulate". Each round is three barriers (exchange, serve, finish); blocks send their
/// batches straight to each other, and the coordinator only gathers each block's figures. The rounds
/// are the same as <see cref="GossipSimulation.Run(SimulationSpec, IProgress{RoundStats}?, CancellationToken)"/>
/// gives in one process, whatever the number of blocks or silos.
/// </summary>
public static class ClusterSimulation
{
    public static async Task<SimulationResult> RunAsync(
        IGrainFactory grains,
        SimulationSpec spec,
        int blocks,
        IProgress<RoundStats>? progress = null,
        ItemAssignment? corpus = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(spec);
        var distinct = GossipSimulation.Validate(spec, corpus);
        var experts = (int)spec.Experts; // Validate keeps the block engine to SimulationSpec.MaxExperts

        var run = Guid.NewGuid().ToString("N");
        var size = GossipSimulation.BlockSize(experts, Math.Max(1, blocks));
        var keys = Enumerable.Range(0, (experts + size - 1) / size).Select(b => $"{run}/{b}").ToArray();
        var block = keys.Select(key => grains.GetGrain<ISimulationBlockGrain>(key)).ToArray();
        var parameters = spec.ToParameters();
        try
        {
            var initial = await Task.WhenAll(block.Select((g, b) =>
            {
                var slice = corpus?.Slice(b * size, Math.Min(experts, (b + 1) * size));
                return g.InitializeAsync(new SimulationBlockSetup(parameters, b, size, keys, distinct, slice?.Offsets, slice?.Items));
            }));
            var rounds = new List<RoundStats> { GossipSimulation.Combine(spec, 0, [.. initial.Select(s => s.ToDomain())], distinct) };
            progress?.Report(rounds[0]);
            var threshold = 1 - spec.Epsilon;
            int? covered = rounds[0].MinReach >= threshold ? 0 : null;
            for (var round = 1; round <= spec.MaxRounds && !(spec.UntilConverged && covered is not null); round++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.WhenAll(block.Select(g => g.ExchangeAsync(round)));
                await Task.WhenAll(block.Select(g => g.ServeAsync(round)));
                var stats = await Task.WhenAll(block.Select(g => g.FinishAsync(round)));
                var roundStats = GossipSimulation.Combine(spec, round, [.. stats.Select(s => s.ToDomain())], distinct);
                rounds.Add(roundStats);
                progress?.Report(roundStats);
                if (covered is null && roundStats.MinReach >= threshold)
                {
                    covered = round;
                }
            }

            return new SimulationResult(spec, distinct, Topology.CountEdges(spec.Topology, spec.Experts), rounds, covered);
        }
        finally
        {
            await Task.WhenAll(block.Select(g => g.CloseAsync()));
        }
    }
}
