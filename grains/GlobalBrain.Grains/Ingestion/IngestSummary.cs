namespace GlobalBrain.Grains.Ingestion;

/// <summary>Running totals of an ingestion, for progress displays.</summary>
public readonly record struct IngestProgress(long Documents, long Rejected, long Bytes, long Tokens)
{
    internal IngestProgress Add(BatchOutcome batch) =>
        new(Documents + batch.Accepted, Rejected + batch.Rejections.Count, Bytes + batch.Bytes, Tokens + batch.Tokens);
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
    /// <summary>The summary of <paramref name="batches"/>, whatever the order they completed in.</summary>
    internal static IngestSummary Of(IReadOnlyCollection<BatchOutcome> batches)
    {
        long accepted = 0, tokens = 0, bytes = 0;
        int failed = 0, retries = 0;
        var rejections = new List<DocumentRejection>();
        var bySilo = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var batch in batches.OrderBy(b => b.Ordinal))
        {
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

        return new IngestSummary(accepted, tokens, bytes, batches.Count, rejections.AsReadOnly(), failed, retries, bySilo.AsReadOnly());
    }
}

/// <summary>What one batch came to: what a front answered, or its documents reported as failed after every attempt.</summary>
/// <param name="Ordinal">The batch's position in the ingestion.</param>
/// <param name="Silo">The silo that tokenized it; null when no front took it.</param>
internal sealed record BatchOutcome(int Ordinal, int Accepted, long Tokens, long Bytes, IReadOnlyList<DocumentRejection> Rejections, string? Silo, int Retries)
{
    public static BatchOutcome Taken(int ordinal, IngestBatchResult result, int retries) =>
        new(ordinal, result.Accepted, result.Tokens, result.Bytes, result.Rejected, result.EncodedOnSilo, retries);

    public static BatchOutcome NotTaken(int ordinal, IReadOnlyList<DocumentInput> documents, int retries, TimeSpan retriedFor) =>
        new(ordinal, 0, 0, 0, [.. documents.Select(d => new DocumentRejection(d.Id, "ingest_failed", $"the cluster did not take it within {retriedFor.TotalSeconds:F0} s of retries"))], null, retries);
}
