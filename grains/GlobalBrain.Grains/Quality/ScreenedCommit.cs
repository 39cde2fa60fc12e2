namespace GlobalBrain.Grains.Quality;

/// <summary>The batch that goes on to be tokenized once a batch was screened and its duplicates claimed.</summary>
public static class ScreenedCommit
{
    /// <summary>
    /// The documents of <paramref name="batch"/> that passed screening and are no duplicate — with their redacted
    /// text and detected language — under the same batch id (so a retry is recognised by the experts), with no
    /// filters left to apply and the duplicates in <see cref="IngestBatch.Dropped"/> for the silo's counters.
    /// </summary>
    public static IngestBatch Build(IngestBatch batch, ScreenedBatch screened, IReadOnlyList<string?> duplicates)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(screened);
        ArgumentNullException.ThrowIfNull(duplicates);
        var kept = new List<DocumentInput>(screened.Passed.Length);
        var dropped = new FilterTally();
        for (var i = 0; i < screened.Passed.Length; i++)
        {
            var passed = screened.Passed[i];
            if (duplicates[i] is { } reason)
            {
                dropped.Filtered(FilterCount.Dedup, reason, passed.Language);
                continue;
            }

            var original = batch.Documents[passed.Index];
            kept.Add(new DocumentInput(original.Id, passed.RedactedText ?? original.Text) { Language = passed.Language });
        }

        return new IngestBatch(batch.BatchId, batch.Tokenizer, [.. kept], batch.ReturnRecords) { Dropped = dropped.FilteredCounts() };
    }
}
