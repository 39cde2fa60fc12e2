using GlobalBrain.Grains;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Silo.Api;

/// <summary>The silo's dispatcher for API requests: connected on first use; it looks at membership again by itself, so new silos get work.</summary>
/// <remarks>
/// Batches of a request are retried for GlobalBrain:Api:RetryFor (20 s by default), not the dispatcher's
/// 90 s: an HTTP client gives up long before, and a waiting request holds its body and one of the
/// silo's turns. The client retries instead, after the 503's Retry-After, with the same Idempotency-Key.
/// </remarks>
public sealed class IngestService(IGrainFactory grains, TimeProvider time, IOptions<GlobalBrainApiOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IngestDispatcherOptions _dispatcherOptions = new() { RetryFor = options.Value.RetryFor, Time = time };
    private IngestDispatcher? _dispatcher;

    /// <param name="idempotencyKey">Derives the batch ids: the same request sent again under the same key counts nothing twice.</param>
    /// <exception cref="InvalidOperationException">The cluster has no active silo.</exception>
    public async Task<IngestSummary> IngestAsync(IReadOnlyList<DocumentInput> documents, TokenizerSpec tokenizer, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var dispatcher = await GetDispatcherAsync(cancellationToken);
        return await dispatcher.IngestAsync(documents, tokenizer, idempotencyKey: idempotencyKey, cancellationToken: cancellationToken);
    }

    public void Dispose() => _gate.Dispose();

    private async Task<IngestDispatcher> GetDispatcherAsync(CancellationToken cancellationToken)
    {
        if (_dispatcher is { } current)
        {
            return current;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _dispatcher ??= await IngestDispatcher.ConnectAsync(grains, _dispatcherOptions, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }
}
