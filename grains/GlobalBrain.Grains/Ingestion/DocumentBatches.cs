namespace GlobalBrain.Grains.Ingestion;

/// <summary>Cuts a stream of documents into batches, reading no further than the document that closes a batch.</summary>
internal static class DocumentBatches
{
    /// <summary>Batches that close once their text reaches <paramref name="maxCharacters"/> or they hold <paramref name="maxDocuments"/> documents; the last one holds the rest.</summary>
    public static IEnumerable<DocumentInput[]> Cut(IEnumerable<DocumentInput> documents, int maxCharacters, int maxDocuments)
    {
        var batch = new List<DocumentInput>();
        var characters = 0;
        foreach (var document in documents)
        {
            batch.Add(document);
            characters += document.Text.Length;
            if (characters >= maxCharacters || batch.Count >= maxDocuments)
            {
                yield return [.. batch];
                batch.Clear();
                characters = 0;
            }
        }

        if (batch.Count > 0)
        {
            yield return [.. batch];
        }
    }

    /// <summary>The batch id of batch <paramref name="ordinal"/> of a request with an idempotency key: the same on every retry of the request.</summary>
    public static Guid Id(string idempotencyKey, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        var text = System.Text.Encoding.UTF8.GetBytes($"{idempotencyKey}\u0000{ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return new Guid(System.IO.Hashing.XxHash128.Hash(text));
    }
}
