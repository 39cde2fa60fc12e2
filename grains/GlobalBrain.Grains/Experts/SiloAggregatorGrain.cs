using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Placement;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// The partial aggregator of one silo: reads the <see cref="SiloKnowledgeBoard"/> its experts report to.
/// Shards that experts share (knowledge that has spread) are merged and estimated once, not once per expert.
/// </summary>
[SiloBoundPlacement, Reentrant]
public sealed class SiloAggregatorGrain(SiloKnowledgeBoard board, IOptions<KnowledgeOptions> knowledge, ILocalSiloDetails silo) : Grain, ISiloAggregatorGrain
{
    public Task<PartialMetrics> GetPartialAsync()
    {
        var slots = board.Snapshot();
        var ids = new int[slots.Length];
        var held = new double[slots.Length];
        var union = new byte[1 << knowledge.Value.Precision];
        var merged = new HashSet<HyperLogLog>(ReferenceEqualityComparer.Instance);
        var own = new List<OriginCount>();
        long exchanges = 0, bytes = 0;
        var n = 0;
        foreach (var slot in slots)
        {
            if (slot.Shard is not { } shard)
            {
                continue; // joined, not reported yet: the global aggregator asks it directly
            }

            ids[n] = slot.Expert;
            held[n++] = shard.KnowledgeEstimate;
            if (merged.Add(shard.Items))
            {
                shard.Items.MaxInto(union);
            }

            var totals = slot.Own;
            if (totals != default)
            {
                own.Add(new OriginCount(slot.Expert, totals.Documents, totals.Tokens));
            }

            exchanges += slot.ExchangesStarted;
            bytes += slot.BytesExchanged;
        }

        return Task.FromResult(new PartialMetrics(
            silo.SiloAddress.ToParsableString(),
            ids[..n],
            held[..n],
            HyperLogLog.FromRegisters(System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(union)),
            [.. own],
            exchanges,
            bytes,
            board.LastLearned));
    }
}
