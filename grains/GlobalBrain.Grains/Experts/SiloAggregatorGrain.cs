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
    /// <summary>
    /// The sketches merged in the current pass, kept between passes and cleared (a pass at 10^6 experts
    /// would otherwise make a set of up to a million entries every metrics interval, on the large-object
    /// heap, whose allocations start full collections). The pass has no await, so passes never overlap.
    /// </summary>
    private readonly HashSet<HyperLogLog> _merged = new(ReferenceEqualityComparer.Instance);

    public Task<PartialMetrics> GetPartialAsync()
    {
        var slots = board.Snapshot();
        var reported = 0;
        foreach (var slot in slots)
        {
            reported += slot.Shard is null ? 0 : 1;
        }

        // Made at their size (they leave with the partial), not made at the board's and copied.
        var ids = new int[reported];
        var held = new double[reported];
        var union = new byte[1 << knowledge.Value.Precision];
        var own = new List<OriginCount>();
        long exchanges = 0, bytes = 0;
        var n = 0;
        _merged.Clear();
        foreach (var slot in slots)
        {
            if (slot.Shard is not { } shard || n == reported)
            {
                continue; // joined, not reported yet: the global aggregator asks it directly
            }

            ids[n] = slot.Expert;
            held[n++] = shard.KnowledgeEstimate;
            if (_merged.Add(shard.Items))
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

        _merged.Clear();
        return Task.FromResult(new PartialMetrics(
            silo.SiloAddress.ToParsableString(),
            n == reported ? ids : ids[..n],
            n == reported ? held : held[..n],
            HyperLogLog.FromRegisters(System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(union)),
            [.. own],
            exchanges,
            bytes,
            board.LastLearned));
    }
}
