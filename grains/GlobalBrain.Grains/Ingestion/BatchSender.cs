namespace GlobalBrain.Grains.Ingestion;

/// <summary>Sends a batch to a front, and again (away from the front that failed, after backoff) until one takes it or the retry budget is spent.</summary>
internal sealed class BatchSender(IngestFronts fronts, ClusterRetry retry)
{
    /// <summary>The front's answer, null when none took the batch within the budget; and the attempts beyond the first.</summary>
    public Task<(IngestBatchResult? Result, int Retries)> SendAsync(IngestBatch batch, CancellationToken cancellationToken) =>
        // The same batch id on every attempt: experts that already learned it do not count it again.
        CallAsync(front => front.IngestAsync(batch), cancellationToken);

    /// <summary>Screens a batch on a front (filters and duplicate keys, nothing learned); null when no front answered within the budget.</summary>
    public Task<(ScreenedBatch? Result, int Retries)> ScreenAsync(IngestBatch batch, CancellationToken cancellationToken) =>
        CallAsync(front => front.ScreenAsync(batch), cancellationToken);

    private async Task<(T? Result, int Retries)> CallAsync<T>(Func<IIngestGrain, Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        IngestFront? failed = null;
        var retries = 0;
        try
        {
            var result = await retry.RunAsync(
                async () =>
                {
                    var front = fronts.Acquire(avoid: failed);
                    try
                    {
                        return await call(front.Grain);
                    }
                    catch (Exception e) when (ClusterRetry.IsTransient(e, cancellationToken))
                    {
                        failed = front;
                        throw;
                    }
                    finally
                    {
                        fronts.Release(front);
                    }
                },
                retried: _ =>
                {
                    retries++;

                    // A silo may have gone: look at membership again (once for all batches) while waiting.
                    fronts.RediscoverInBackground();
                },
                cancellationToken);
            return (result, retries);
        }
        catch (Exception e) when (ClusterRetry.IsTransient(e, cancellationToken))
        {
            return (null, retries);
        }
    }
}
