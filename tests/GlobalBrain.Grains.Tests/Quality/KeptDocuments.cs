using System.Collections.Concurrent;
using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Grains.Tests.Quality;

/// <summary>Runs an ingestion and tells which documents were kept: those whose training records came back.</summary>
internal static class KeptDocuments
{
    public static async Task<(IngestSummary Summary, List<string> Kept)> IngestAsync(IngestDispatcher dispatcher, IReadOnlyList<DocumentInput> documents, IngestFilters filters)
    {
        var kept = new ConcurrentBag<string>();
        var summary = await dispatcher.IngestAsync(
            documents,
            TokenizerSpec.Default,
            records: (records, _) =>
            {
                foreach (var record in records)
                {
                    kept.Add(record.DocumentId);
                }

                return ValueTask.CompletedTask;
            },
            filters: filters);
        return (summary, [.. kept.Distinct().Order(StringComparer.Ordinal)]);
    }
}
