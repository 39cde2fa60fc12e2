namespace GlobalBrain.Grains;

/// <summary>Knowledge ingested at one expert: exact counts, the UTF-8 bytes and the item hashes of its documents.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.KnowledgeDelta")]
public sealed record KnowledgeDelta(
    [property: Id(0)] Guid BatchId,
    [property: Id(1)] int Documents,
    [property: Id(2)] long Tokens,
    [property: Id(3)] ulong[] ItemHashes,
    [property: Id(4)] long Bytes = 0);

/// <summary>One origin's exact totals inside a shard snapshot.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.OriginCount")]
public readonly record struct OriginCount(
    [property: Id(0)] int Origin,
    [property: Id(1)] long Documents,
    [property: Id(2)] long Tokens);

/// <summary>A copy of an expert's knowledge shard, as exchanged between experts.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ShardSnapshot")]
public sealed record ShardSnapshot([property: Id(0)] byte[] Registers, [property: Id(1)] OriginCount[] Origins)
{
    public int WireSize => Registers.Length + (20 * Origins.Length);
}

/// <summary>An expert's view of itself, for the aggregator.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ExpertReport")]
public sealed record ExpertReport(
    [property: Id(0)] int Expert,
    [property: Id(1)] double Knowledge,
    [property: Id(2)] long OwnDocuments,
    [property: Id(3)] long OwnTokens,
    [property: Id(4)] byte[]? Registers,
    [property: Id(5)] long ExchangesStarted,
    [property: Id(6)] long BytesExchanged,
    [property: Id(7)] string Silo,
    [property: Id(8)] Guid Incarnation,
    [property: Id(9)] long Version);

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
    [property: Id(13)] DateTimeOffset Timestamp);

/// <summary>N, v and the knowledge settings the cluster runs with.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ClusterSettings")]
public sealed record ClusterSettings(
    [property: Id(0)] int Experts,
    [property: Id(1)] double FlowRate,
    [property: Id(2)] int Precision,
    [property: Id(3)] int ShingleWidth);
