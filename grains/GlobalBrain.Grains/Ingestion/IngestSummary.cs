namespace GlobalBrain.Grains.Ingestion;

/// <summary>Running totals of an ingestion, for progress displays.</summary>
public readonly record struct IngestProgress(long Documents, long Rejected, long Bytes, long Tokens)
{
    /// <summary>Documents the data-quality filters dropped so far.</summary>
    public long Filtered { get; init; }

    internal IngestProgress Add(BatchOutcome batch) =>
        new(Documents + batch.Accepted, Rejected + batch.Rejections.Count, Bytes + batch.Bytes, Tokens + batch.Tokens) { Filtered = Filtered + batch.FilteredTotal };
}

/// <summary>What an ingestion did, over all its batches.</summary>
/// <param name="Accepted">Documents the cluster took.</param>
/// <param name="Tokens">Tokens of the documents it took.</param>
/// <param name="Bytes">UTF-8 bytes of the documents it took.</param>
/// <param name="Batches">Batches sent, whether they went in or failed.</param>
/// <param name="Rejections">Documents the cluster refused (tokenizer errors, empty text) or could not take after retries, in the order of the batches.</param>
/// <param name="FailedBatches">Batches whose every attempt failed; their documents are in <paramref name="Rejections"/> as ingest_failed.</param>
/// <param name="Retries">Attempts beyond the first: batches sent again after a failure (a lost answer, a silo that went away).</param>
/// <param name="BatchesBySilo">Batches tokenized per silo.</param>
public sealed record IngestSummary(
    long Accepted,
    long Tokens,
    long Bytes,
    int Batches,
    IReadOnlyList<DocumentRejection> Rejections,
    int FailedBatches,
    int Retries,
    IReadOnlyDictionary<string, int> BatchesBySilo)
{
    /// <summary>The filters the ingestion applied.</summary>
    public IngestFilters Filters { get; init; } = IngestFilters.Off;

    /// <summary>Documents the filters dropped, by filter, reason and language (summed over batches; sorted).</summary>
    public IReadOnlyList<FilterCount> Filtered { get; init; } = [];

    /// <summary>Personal-data spans replaced by placeholders, by kind.</summary>
    public IReadOnlyList<RedactionCount> Redacted { get; init; } = [];

    /// <summary>All documents the filters dropped.</summary>
    public long FilteredTotal => Filtered.Sum(f => f.Count);

    /// <summary>The summary of <paramref name="batches"/>, whatever the order they completed in.</summary>
    internal static IngestSummary Of(IReadOnlyCollection<BatchOutcome> batches)
    {
        long accepted = 0, tokens = 0, bytes = 0;
        int failed = 0, retries = 0;
        var rejections = new List<DocumentRejection>();
        var bySilo = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var tally = new Quality.FilterTally();
        foreach (var batch in batches.OrderBy(b => b.Ordinal))
        {
            foreach (var count in batch.Filtered)
            {
                tally.Add(count);
            }

            foreach (var count in batch.Redacted)
            {
                tally.Add(count);
            }

            accepted += batch.Accepted;
            tokens += batch.Tokens;
            bytes += batch.Bytes;
            retries += batch.Retries;
            rejections.AddRange(batch.Rejections);
            if (batch.Silo is null)
            {
                failed++;
            }
            else
            {
                bySilo[batch.Silo] = bySilo.GetValueOrDefault(batch.Silo) + 1;
            }
        }

        return new IngestSummary(accepted, tokens, bytes, batches.Count, rejections.AsReadOnly(), failed, retries, bySilo.AsReadOnly())
        {
            Filtered = tally.FilteredCounts(),
            Redacted = tally.RedactedCounts(),
        };
    }
}

/// <summary>What one batch came to: what a front answered, or its documents reported as failed after every attempt.</summary>
/// <param name="Ordinal">The batch's position in the ingestion.</param>
/// <param name="Silo">The silo that tokenized it; null when no front took it.</param>
internal sealed record BatchOutcome(int Ordinal, int Accepted, long Tokens, long Bytes, IReadOnlyList<DocumentRejection> Rejections, string? Silo, int Retries)
{
    public IReadOnlyList<FilterCount> Filtered { get; init; } = [];

    public IReadOnlyList<RedactionCount> Redacted { get; init; } = [];

    public long FilteredTotal => Filtered.Sum(f => f.Count);

    public static BatchOutcome Taken(int ordinal, IngestBatchResult result, int retries) =>
        new(ordinal, result.Accepted, result.Tokens, result.Bytes, result.Rejected, result.EncodedOnSilo, retries)
        {
            Filtered = result.Filtered,
            Redacted = result.Redacted,
        };

    /// <summary>A batch that was screened first: what screening dropped and rejected comes with what the front then took; <paramref name="bytes"/> is the text of the whole batch.</summary>
    public static BatchOutcome Taken(int ordinal, ScreenedBatch screened, IngestBatchResult result, long bytes, int retries) =>
        new(ordinal, result.Accepted, result.Tokens, bytes, [.. screened.Rejected, .. result.Rejected], result.EncodedOnSilo, retries)
        {
            Filtered = [.. screened.Filtered, .. result.Filtered],
            Redacted = [.. screened.Redacted, .. result.Redacted],
        };

    public static BatchOutcome NotTaken(int ordinal, IReadOnlyList<DocumentInput> documents, int retries, TimeSpan retriedFor) =>
        new(ordinal, 0, 0, 0, [.. documents.Select(d => new DocumentRejection(d.Id, "ingest_failed", $"the cluster did not take it within {retriedFor.TotalSeconds:F0} s of retries"))], null, retries);
}
