namespace GlobalBrain.Grains.Experts;

/// <summary>What an expert stores: its shard and the ids of the batches it has already learned.</summary>
[GenerateSerializer, Alias("GlobalBrain.ExpertState")]
public sealed class ExpertState
{
    [Id(0)]
    public byte[]? Registers { get; set; }

    [Id(1)]
    public OriginCount[] Origins { get; set; } = [];

    /// <summary>
    /// The most recent batch ids learned, oldest first, 16 bytes each (one blob: it is written after
    /// every batch, and thousands of Guid fields cost more to encode than the learning); a retried
    /// batch is recognised and not counted twice. (Id 2 held them as Guid[] before; never reuse it.)
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
}
