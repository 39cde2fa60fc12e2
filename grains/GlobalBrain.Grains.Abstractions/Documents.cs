namespace GlobalBrain.Grains;

/// <summary>A document to ingest: its id routes it to an expert.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.DocumentInput")]
public sealed record DocumentInput([property: Id(0)] string Id, [property: Id(1)] string Text)
{
    /// <summary>Its language (ISO 639-1) when screening already detected it; it goes into the training records.</summary>
    [Id(2)]
    public string? Language { get; init; }
}

/// <summary>
/// How documents are tokenized: the tokenizer, the vocabulary it needs (bert: the SHA-256 of a file
/// registered with <see cref="IVocabularyGrain"/>), and an optional fixed record length with what
/// happens beyond it ("truncate" or "chunk").
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.TokenizerSpec")]
public sealed record TokenizerSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Vocabulary = null,
    [property: Id(2)] int? MaxLength = null,
    [property: Id(3)] string Overflow = TokenizerSpec.Truncate)
{
    public const string Truncate = "truncate";

    public const string Chunk = "chunk";

    public static TokenizerSpec Default { get; } = new("cl100k_base");
}

/// <summary>A vocabulary file (vocab.txt or tokenizer.json) as the client read it; silos parse it themselves.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.VocabularyFile")]
public sealed record VocabularyFile([property: Id(0)] string Source, [property: Id(1)] byte[] Content);

/// <summary>A batch of documents for one ingest call; the id lets retries be recognised.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.IngestBatch")]
public sealed record IngestBatch(
    [property: Id(0)] Guid BatchId,
    [property: Id(1)] TokenizerSpec Tokenizer,
    [property: Id(2)] DocumentInput[] Documents,
    [property: Id(3)] bool ReturnRecords = false)
{
    /// <summary>The data-quality filters to apply before tokenizing (null: none).</summary>
    [Id(4)]
    public IngestFilters? Filters { get; init; }

    /// <summary>Documents of this batch the sender already dropped (duplicates), for the silo's counters.</summary>
    [Id(5)]
    public FilterCount[] Dropped { get; init; } = [];
}

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
    [property: Id(4)] string EncodedOnSilo,
    [property: Id(5)] EncodedRecord[] Records)
{
    /// <summary>Documents the batch's filters dropped, by filter and reason.</summary>
    [Id(6)]
    public FilterCount[] Filtered { get; init; } = [];

    /// <summary>Personal-data spans replaced by placeholders, by kind.</summary>
    [Id(7)]
    public RedactionCount[] Redacted { get; init; } = [];
}

/// <summary>
/// One training record: a document's (or, with overflow chunking, one window's) input ids and
/// attention mask, as a model reads them. <see cref="Chunk"/> is 0 unless the document was cut into windows.
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.EncodedRecord")]
public sealed record EncodedRecord(
    [property: Id(0)] string DocumentId,
    [property: Id(1)] int Chunk,
    [property: Id(2)] int[] InputIds,
    [property: Id(3)] byte[] AttentionMask)
{
    /// <summary>The document's language (ISO 639-1, or und) when language detection ran; null otherwise.</summary>
    [Id(4)]
    public string? Language { get; init; }
}

/// <summary>The knowledge a batch brings to one expert.</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.ExpertDelta")]
public sealed record ExpertDelta([property: Id(0)] int Expert, [property: Id(1)] KnowledgeDelta Delta);

/// <summary>
/// A tokenized batch: its documents' knowledge items already grouped by expert (so that hashing runs on
/// the parallel tokenizer workers), its counts, its rejections, the silo that did it, and its training
/// records when they were asked for.
/// </summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.EncodedBatch")]
public sealed record EncodedBatch(
    [property: Id(0)] int Accepted,
    [property: Id(1)] long Tokens,
    [property: Id(2)] long Bytes,
    [property: Id(3)] ExpertDelta[] Deltas,
    [property: Id(4)] DocumentRejection[] Rejected,
    [property: Id(5)] string Silo,
    [property: Id(6)] EncodedRecord[] Records)
{
    /// <summary>Documents the batch's filters dropped, by filter and reason.</summary>
    [Id(7)]
    public FilterCount[] Filtered { get; init; } = [];

    /// <summary>Personal-data spans replaced by placeholders, by kind.</summary>
    [Id(8)]
    public RedactionCount[] Redacted { get; init; } = [];
}

/// <summary>An ingest front's silo and how many cores it has (batches are shared in proportion).</summary>
[GenerateSerializer, Immutable, Alias("GlobalBrain.IngestFrontInfo")]
public sealed record IngestFrontInfo([property: Id(0)] string Silo, [property: Id(1)] int Cores);
