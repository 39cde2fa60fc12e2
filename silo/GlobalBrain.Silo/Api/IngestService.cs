using GlobalBrain.Grains;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Silo.Api;

/// <summary>The silo's dispatcher for API requests: it finds the silos on first use (again while it knows of none) and looks at membership again by itself, so new silos get work.</summary>
/// <remarks>
/// Batches of a request are retried for GlobalBrain:Api:RetryFor (20 s by default), not the dispatcher's
/// 90 s: an HTTP client gives up long before, and a waiting request holds its body and one of the
/// silo's turns. The client retries instead, after the 503's Retry-After, with the same Idempotency-Key.
/// </remarks>
public sealed class IngestService(IGrainFactory grains, TimeProvider time, RandomSource random, IOptions<GlobalBrainApiOptions> options)
{
    private readonly IngestDispatcher _dispatcher = IngestDispatcher.Create(grains, new IngestDispatcherOptions { RetryFor = options.Value.RetryFor, Time = time, Random = random });

    /// <param name="idempotencyKey">Derives the batch ids: the same request sent again under the same key counts nothing twice.</param>
    /// <exception cref="InvalidOperationException">The cluster has no active silo.</exception>
    public Task<IngestSummary> IngestAsync(IReadOnlyList<DocumentInput> documents, TokenizerSpec tokenizer, string? idempotencyKey, CancellationToken cancellationToken) =>
        _dispatcher.IngestAsync(documents, tokenizer, idempotencyKey: idempotencyKey, cancellationToken: cancellationToken);
}
