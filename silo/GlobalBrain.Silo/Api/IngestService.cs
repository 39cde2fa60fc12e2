using GlobalBrain.Grains;
using GlobalBrain.Grains.Ingestion;

namespace GlobalBrain.Silo.Api;

/// <summary>Holds the silo's view of the ingest fronts, rediscovered every so often so that new silos get work.</summary>
public sealed class IngestService(IGrainFactory grains, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Rediscover = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IngestDispatcher? _dispatcher;
    private DateTimeOffset _discoveredAt;

    public async Task<IngestSummary> IngestAsync(IReadOnlyList<DocumentInput> documents, TokenizerSpec tokenizer, CancellationToken cancellationToken)
    {
        var dispatcher = await GetDispatcherAsync(cancellationToken);
        var summary = await dispatcher.IngestAsync(documents, tokenizer, cancellationToken: cancellationToken);
        if (summary.FailedBatches > 0)
        {
            _dispatcher = null; // the cluster changed under us: look again next time
        }

        return summary;
    }

    public void Dispose() => _gate.Dispose();

    private async Task<IngestDispatcher> GetDispatcherAsync(CancellationToken cancellationToken)
    {
        if (_dispatcher is { } current && time.GetUtcNow() - _discoveredAt < Rediscover)
        {
            return current;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_dispatcher is null || time.GetUtcNow() - _discoveredAt >= Rediscover)
            {
                _dispatcher = await IngestDispatcher.ConnectAsync(grains);
                _discoveredAt = time.GetUtcNow();
            }

            return _dispatcher;
        }
        finally
        {
            _gate.Release();
        }
    }
}
