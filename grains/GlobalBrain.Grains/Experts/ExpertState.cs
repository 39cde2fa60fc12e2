namespace GlobalBrain.Grains.Experts;

/// <summary>What an expert stores: its shard and the ids of the batches it has already learned.</summary>
[GenerateSerializer, Alias("GlobalBrain.ExpertState")]
public sealed class ExpertState
{
    [Id(0)]
    public byte[]? Registers { get; set; }

    [Id(1)]
    public OriginCount[] Origins { get; set; } = [];

    /// <summary>The most recent batch ids learned, oldest first; a retried batch is recognised and not counted twice.</summary>
    [Id(2)]
    public Guid[] RecentBatches { get; set; } = [];

    [Id(3)]
    public long ExchangesStarted { get; set; }

    [Id(4)]
    public long BytesExchanged { get; set; }
}
