namespace GlobalBrain.Grains;

/// <summary>A document to ingest: its id routes it to an expert.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.DocumentInput")]
public sealed record DocumentInput([property: Id(0)] string Id, [property: Id(1)] string Text);

/// <summary>How documents are tokenized.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.TokenizerSpec")]
public sealed record TokenizerSpec([property: Id(0)] string Name)
{
    public static TokenizerSpec Default { get; } = new("cl100k_base");
}

/// <summary>A batch of documents for one ingest call; the id lets retries be recognised.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.IngestBatch")]
public sealed record IngestBatch(
    [property: Id(0)] Guid BatchId,
    [property: Id(1)] TokenizerSpec Tokenizer,
    [property: Id(2)] DocumentInput[] Documents);

/// <summary>A document the cluster refused, and why (a reason code and a readable message).</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.DocumentRejection")]
public sealed record DocumentRejection(
    [property: Id(0)] string DocumentId,
    [property: Id(1)] string Reason,
    [property: Id(2)] string Message);

/// <summary>What an ingest call did.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.IngestBatchResult")]
public sealed record IngestBatchResult(
    [property: Id(0)] int Accepted,
    [property: Id(1)] long Tokens,
    [property: Id(2)] long Bytes,
    [property: Id(3)] DocumentRejection[] Rejected,
    [property: Id(4)] string EncodedOnSilo);

/// <summary>Token ids of one document.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.EncodedDocument")]
public sealed record EncodedDocument([property: Id(0)] string Id, [property: Id(1)] int[] InputIds);

/// <summary>
/// One training record: a document's (or, with overflow chunking, one window's) input ids and
/// attention mask, as a model reads them. <see cref="Chunk"/> is 0 unless the document was cut into windows.
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.EncodedRecord")]
public sealed record EncodedRecord(
    [property: Id(0)] string DocumentId,
    [property: Id(1)] int Chunk,
    [property: Id(2)] int[] InputIds,
    [property: Id(3)] byte[] AttentionMask);

/// <summary>A tokenized batch, and the silo that tokenized it.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.EncodedBatch")]
public sealed record EncodedBatch(
    [property: Id(0)] EncodedDocument[] Documents,
    [property: Id(1)] DocumentRejection[] Rejected,
    [property: Id(2)] string Silo);

/// <summary>An ingest front's silo and how many cores it has (batches are shared in proportion).</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.IngestFrontInfo")]
public sealed record IngestFrontInfo([property: Id(0)] string Silo, [property: Id(1)] int Cores);
