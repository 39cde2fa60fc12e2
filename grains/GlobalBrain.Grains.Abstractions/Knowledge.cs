using Orleans.Serialization.Cloning;
using GlobalBrain.Domain.Knowledge;

namespace GlobalBrain.Grains;

/// <summary>Knowledge ingested at one expert: exact counts, the UTF-8 bytes and the item hashes of its documents.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.KnowledgeDelta")]
public sealed record KnowledgeDelta(
    [property: Id(0)] Guid BatchId,
    [property: Id(1)] int Documents,
    [property: Id(2)] long Tokens,
    [property: Id(3)] ulong[] ItemHashes,
    [property: Id(4)] long Bytes = 0)
{
    /// <summary>
    /// Batches the sending ingest front had in flight besides this one when it sent it. When there are any, the
    /// expert waits <c>GlobalBrain:Knowledge:GroupCommit</c> before writing, so that their deltas share the write.
    /// </summary>
    [Id(5)]
    public int OthersInFlight { get; init; }
}

/// <summary>One origin's exact totals inside a shard snapshot.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.OriginCount")]
public readonly record struct OriginCount(
    [property: Id(0)] int Origin,
    [property: Id(1)] long Documents,
    [property: Id(2)] long Tokens)
{
    /// <summary>The origins of <paramref name="shard"/>, in order.</summary>
    public static OriginCount[] Of(KnowledgeShard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var origins = shard.Origins;
        var counts = new OriginCount[origins.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = new OriginCount(origins[i].Origin, origins[i].Totals.Documents, origins[i].Totals.Tokens);
        }

        return counts;
    }

    /// <summary>The shard of a sketch and these origins (checked: negative totals throw).</summary>
    public static KnowledgeShard ToShard(HyperLogLog items, OriginCount[] origins)
    {
        ArgumentNullException.ThrowIfNull(origins);
        return KnowledgeShard.FromParts(items, origins.Select(o => KeyValuePair.Create(o.Origin, new OriginTotals(o.Documents, o.Tokens))));
    }
}

/// <summary>
/// An expert's knowledge shard as exchanged between experts: within a silo the immutable shard itself
/// (no copy), between silos its sparse or dense registers and origin totals (<see cref="KnowledgeShardConverter"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ShardSnapshot")]
public sealed record ShardSnapshot([property: Id(0)] KnowledgeShard Shard)
{
    /// <summary>Bytes the shard occupies on the wire.</summary>
    public int WireSize => Shard.WireSize;
}

/// <summary>An expert's view of itself, for the aggregator.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ExpertReport")]
public sealed record ExpertReport(
    [property: Id(0)] int Expert,
    [property: Id(1)] double Knowledge,
    [property: Id(2)] long OwnDocuments,
    [property: Id(3)] long OwnTokens,
    [property: Id(4)] HyperLogLog Items,
    [property: Id(5)] long ExchangesStarted,
    [property: Id(6)] long BytesExchanged,
    [property: Id(7)] string Silo,
    [property: Id(8)] Guid Incarnation,
    [property: Id(9)] long Version);

/// <summary>
/// A HyperLogLog on the wire and in storage (<see cref="HyperLogLogWire"/>): its precision and either its
/// sparse entries as varints or its dense registers at 6 bits each.
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.HyperLogLogSurrogate")]
public readonly record struct HyperLogLogSurrogate(
    [property: Id(0)] int Precision,
    [property: Id(1)] byte[]? PackedEntries,
    [property: Id(2)] byte[]? PackedRegisters);

/// <summary>Converts a sketch to its compact form and back; what arrives is checked (a malformed entry or register throws).</summary>
[RegisterConverter]
public sealed class HyperLogLogConverter : IConverter<HyperLogLog, HyperLogLogSurrogate>
{
    public HyperLogLog ConvertFromSurrogate(in HyperLogLogSurrogate surrogate) =>
        surrogate.PackedRegisters is { } registers
            ? HyperLogLogWire.UnpackRegisters(surrogate.Precision, registers)
            : HyperLogLogWire.UnpackEntries(surrogate.Precision, surrogate.PackedEntries ?? []);

    public HyperLogLogSurrogate ConvertToSurrogate(in HyperLogLog value) =>
        value.IsSparse
            ? new(value.Precision, HyperLogLogWire.PackEntries(value), null)
            : new(value.Precision, null, HyperLogLogWire.PackRegisters(value));
}

/// <summary>
/// Sketches are immutable, so Orleans' deep copy (of a call's argument or result between grains of one silo, when
/// its container is not itself marked immutable) shares them instead of packing and unpacking a copy. Memory
/// storage is not helped: it serializes the state it keeps (GlobalBrain:Knowledge:FlushRate bounds its writes).
/// </summary>
[RegisterCopier]
public sealed class HyperLogLogCopier : ShallowCopier<HyperLogLog>;

/// <summary>Shards are immutable too: copied by reference, like <see cref="HyperLogLogCopier"/>.</summary>
[RegisterCopier]
public sealed class KnowledgeShardCopier : ShallowCopier<KnowledgeShard>;

/// <summary>A knowledge shard on the wire: its sketch and its origins' totals.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.KnowledgeShardSurrogate")]
public readonly record struct KnowledgeShardSurrogate(
    [property: Id(0)] HyperLogLog Items,
    [property: Id(1)] OriginCount[] Origins);

[RegisterConverter]
public sealed class KnowledgeShardConverter : IConverter<KnowledgeShard, KnowledgeShardSurrogate>
{
    public KnowledgeShard ConvertFromSurrogate(in KnowledgeShardSurrogate surrogate) => OriginCount.ToShard(surrogate.Items, surrogate.Origins ?? []);

    public KnowledgeShardSurrogate ConvertToSurrogate(in KnowledgeShard value) =>
        new(value.Items, OriginCount.Of(value));
}

/// <summary>The cluster's collective-intelligence metrics (DESIGN.md, "Metrics").</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ClusterMetrics")]
public sealed record ClusterMetrics(
    [property: Id(0)] int Experts,
    [property: Id(1)] double FlowRate,
    [property: Id(2)] long Documents,
    [property: Id(3)] long Tokens,
    [property: Id(4)] double DistinctItems,
    [property: Id(5)] double MeanReach,
    [property: Id(6)] double MinReach,
    [property: Id(7)] double MedianReach,
    [property: Id(8)] double StdReach,
    [property: Id(9)] double CollectiveIntelligence,
    [property: Id(10)] long Exchanges,
    [property: Id(11)] long BytesExchanged,
    [property: Id(12)] int Silos,
    [property: Id(13)] DateTimeOffset Timestamp)
{
    /// <summary>When the last batch was learned (stored) anywhere in the cluster; null before any.</summary>
    [Id(14)]
    public DateTimeOffset? LastLearned { get; init; }

    /// <summary>Experts this pass had to wake (ask directly) because no silo's partial aggregator held them.</summary>
    [Id(15)]
    public int Woken { get; init; }
}

/// <summary>
/// One silo's part of the cluster metrics, from the experts active on it (they report every change to
/// their silo's board, so this is computed without asking any of them).
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.PartialMetrics")]
public sealed record PartialMetrics(
    [property: Id(0)] string Silo,
    [property: Id(1)] int[] Experts,
    [property: Id(2)] double[] Knowledge,
    [property: Id(3)] HyperLogLog Union,
    [property: Id(4)] OriginCount[] Own,
    [property: Id(5)] long Exchanges,
    [property: Id(6)] long BytesExchanged,
    [property: Id(7)] DateTimeOffset? LastLearned);

/// <summary>N, v and the knowledge settings the cluster runs with.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ClusterSettings")]
public sealed record ClusterSettings(
    [property: Id(0)] int Experts,
    [property: Id(1)] double FlowRate,
    [property: Id(2)] int Precision,
    [property: Id(3)] int ShingleWidth);
