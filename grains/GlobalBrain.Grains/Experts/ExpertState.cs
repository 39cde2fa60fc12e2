namespace GlobalBrain.Grains.Experts;

/// <summary>What an expert stores: its shard and the ids of the batches it has counted within the idempotency window.</summary>
[GenerateSerializer, Alias("GlobalBrain.ExpertState")]
public sealed class ExpertState
{
    /// <summary>The sketch as earlier versions stored it: m dense registers. Read when found, never written again.</summary>
    [Id(0)]
    public byte[]? Registers { get; set; }

    /// <summary>The sketch, sparse or dense as it is (<see cref="HyperLogLogSurrogate"/>): 4 bytes per set register while fewer than m/4 are set.</summary>
    [Id(10)]
    public GlobalBrain.Domain.Knowledge.HyperLogLog? Items { get; set; }

    /// <summary>Every origin's totals as this expert knows them; its own are the ones it counted.</summary>
    [Id(1)]
    public OriginCount[] Origins { get; set; } = [];

    /// <summary>
    /// Batch ids of an earlier version's fixed-size window, oldest first, 16 bytes each: read into the
    /// open set when found, never written again. (Id 2 held them as Guid[] before that; never reuse it.)
    /// </summary>
    [Id(5)]
    public byte[] RecentBatchIds { get; set; } = [];

    [Id(3)]
    public long ExchangesStarted { get; set; }

    [Id(4)]
    public long BytesExchanged { get; set; }

    /// <summary>
    /// Exchanges started under fault injection: the ordinal of the next fault draw, kept across
    /// activations so that an expert that the faults deactivated does not replay the same draws.
    /// </summary>
    [Id(6)]
    public long FaultDraws { get; set; }

    /// <summary>Batch ids counted since the last sealed segment, 16 bytes each (one blob: it is written with every batch).</summary>
    [Id(7)]
    public byte[] OpenBatchIds { get; set; } = [];

    /// <summary>When the newest of <see cref="OpenBatchIds"/> was counted (UTC ticks).</summary>
    [Id(8)]
    public long OpenBatchesNewest { get; set; }

    /// <summary>Sealed segments of batch ids, each stored once on its own (<see cref="BatchSegmentStore"/>).</summary>
    [Id(9)]
    public BatchSegmentRef[] Segments { get; set; } = [];
}

/// <summary>A sealed segment of batch ids: where it is stored, when its newest id was counted, its storage version.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.BatchSegmentRef")]
public sealed record BatchSegmentRef(
    [property: Id(0)] Guid Key,
    [property: Id(1)] long NewestTicks,
    [property: Id(2)] int Count,
    [property: Id(3)] string? ETag);

/// <summary>The stored form of a sealed segment: its ids, sorted, 16 bytes each.</summary>
[GenerateSerializer, Alias("GlobalBrain.BatchSegmentState")]
public sealed class BatchSegmentState
{
    [Id(0)]
    public byte[] Ids { get; set; } = [];
}
