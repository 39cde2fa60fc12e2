using GlobalBrain.Grains;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Quality;
using GlobalBrain.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Silo.Api;

/// <summary>The silo's dispatcher for API requests: it finds the silos on first use (again while it knows of none) and looks at membership again by itself, so new silos get work.</summary>
/// <remarks>
/// Batches of a request are retried for GlobalBrain:Api:RetryFor (20 s by default), not the dispatcher's
/// 90 s: an HTTP client gives up long before, and a waiting request holds its body and one of the
/// silo's turns. The client retries instead, after the 503's Retry-After, with the same Idempotency-Key.
/// <para>
/// Every request goes through the data-quality filters of GlobalBrain:Quality (duplicates, personal data,
/// languages, quality rules), the same settings the command line takes as flags.
/// </para>
/// </remarks>
public sealed class IngestService(IGrainFactory grains, TimeProvider time, RandomSource random, IOptions<GlobalBrainApiOptions> options, IOptions<QualitySettings> quality)
{
    private readonly IngestDispatcher _dispatcher = IngestDispatcher.Create(grains, new IngestDispatcherOptions { RetryFor = options.Value.RetryFor, Time = time, Random = random });

    /// <summary>The filters every request goes through.</summary>
    public IngestFilters Filters { get; } = quality.Value.ToFilters();

    /// <param name="idempotencyKey">Derives the batch ids and the duplicate claimants: the same request sent again under the same key counts nothing twice and is not its own duplicate.</param>
    /// <exception cref="InvalidOperationException">The cluster has no active silo.</exception>
    public Task<IngestSummary> IngestAsync(IReadOnlyList<DocumentInput> documents, TokenizerSpec tokenizer, string? idempotencyKey, CancellationToken cancellationToken) =>
        _dispatcher.IngestAsync(documents, tokenizer, idempotencyKey: idempotencyKey, filters: Filters, cancellationToken: cancellationToken);
}
