using Orleans.Runtime;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>Running totals of an ingestion, for progress displays.</summary>
public readonly record struct IngestProgress(long Documents, long Rejected, long Bytes, long Tokens);

/// <summary>What an ingestion did, over all its batches.</summary>
public sealed class IngestSummary
{
    public long Accepted { get; internal set; }

    public long Tokens { get; internal set; }

    public long Bytes { get; internal set; }

    public int Batches { get; internal set; }

    /// <summary>Documents the cluster refused (tokenizer errors, empty text) or could not take after retries.</summary>
    public List<DocumentRejection> Rejections { get; } = [];

    /// <summary>Batches whose every attempt failed; their documents are in <see cref="Rejections"/> as ingest_failed.</summary>
    public int FailedBatches { get; internal set; }

    /// <summary>Attempts beyond the first: batches sent again after a failure (a lost answer, a silo that went away).</summary>
    public int Retries { get; internal set; }

    /// <summary>Batches tokenized per silo.</summary>
    public Dictionary<string, int> BatchesBySilo { get; } = new(StringComparer.Ordinal);
}

/// <summary>Limits of <see cref="IngestDispatcher"/>.</summary>
public sealed class IngestDispatcherOptions
{
    /// <summary>A batch closes once its text reaches this many characters …</summary>
    public int MaxBatchCharacters { get; init; } = 256 * 1024;

    /// <summary>… or holds this many documents.</summary>
    public int MaxBatchDocuments { get; init; } = 512;

    /// <summary>Batches in flight per silo core.</summary>
    public int BatchesInFlightPerCore { get; init; } = 2;

    /// <summary>How long a batch is retried (on other silos, after backoff) before its documents are reported as failed.</summary>
    /// <remarks>Longer than Orleans takes to declare a vanished silo dead (≈ 15 s by default), so a crash is ridden out.</remarks>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>First wait between attempts; it doubles up to <see cref="MaxRetryDelay"/>, with jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a running ingestion looks at membership again, so that silos that join get batches.</summary>
    public TimeSpan RediscoverEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock of retries and rediscovery (a fake one in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The retry policy of every call with this budget and these delays.</summary>
    public ClusterRetry Retry() => new(RetryFor, Time) { FirstDelay = RetryDelay, MaxDelay = MaxRetryDelay };
}

/// <summary>
/// Cuts documents into batches and spreads them over the ingest fronts of all active silos, in
/// proportion to their cores, with a bounded number in flight. Used by the CLI and the HTTP API.
/// </summary>
public sealed class IngestDispatcher
{
    /// <summary>How long a look at membership or at one front may take before it counts as failed.</summary>
    private static readonly TimeSpan FrontTimeout = TimeSpan.FromSeconds(5);

    private readonly IGrainFactory _grains;
    private readonly IngestDispatcherOptions _options;
    private readonly object _gate = new();
    private List<Front> _fronts;
    private Task? _rediscovery;
    private int _turn;

    private IngestDispatcher(IGrainFactory grains, IngestDispatcherOptions options, List<Front> fronts)
    {
        _grains = grains;
        _options = options;
        _fronts = fronts;
    }

    /// <summary>The silos batches go to, and their cores.</summary>
    public IReadOnlyList<IngestFrontInfo> Fronts => [.. _fronts.Select(f => f.Info)];

    /// <summary>Finds the active silos and their ingest fronts, retrying within the options' budget (a silo may be dying).</summary>
    /// <exception cref="InvalidOperationException">The cluster has no active silo.</exception>
    public static async Task<IngestDispatcher> ConnectAsync(IGrainFactory grains, IngestDispatcherOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        options ??= new IngestDispatcherOptions();
        var fronts = await options.Retry().RunAsync(() => DiscoverAsync(grains), cancellationToken: cancellationToken);
        if (fronts.Count == 0)
        {
            throw new InvalidOperationException("The cluster has no active silo to ingest on.");
        }

        return new IngestDispatcher(grains, options, fronts);
    }

    /// <summary>The batch id of batch <paramref name="ordinal"/> of a request with an idempotency key: the same on every retry of the request.</summary>
    public static Guid BatchId(string idempotencyKey, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        var text = System.Text.Encoding.UTF8.GetBytes($"{idempotencyKey}\u0000{ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return new Guid(System.IO.Hashing.XxHash128.Hash(text));
    }

    private static async Task<List<Front>> DiscoverAsync(IGrainFactory grains)
    {
        // Bounded: a call that went to a silo that died waits out Orleans' response timeout (30 s), and
        // meanwhile silos that joined would get nothing; the next look goes elsewhere.
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(FrontTimeout);
        var keys = hosts.Keys.Select(silo => silo.ToParsableString()).ToList();
        var infos = await Task.WhenAll(keys.Select(key => InfoOrNullAsync(grains.GetGrain<IIngestGrain>(key))));

        // A front answers from the silo it runs on: one whose silo died runs elsewhere until membership
        // says so, and is left out (its silo's work would go twice to the same silo).
        var reached = infos.Where((info, i) => info is not null && info.Silo == keys[i]).Select(info => info!).ToList();
        if (reached.Count == 0 && infos.Length > 0)
        {
            throw new SiloUnavailableException("no silo that membership lists as active answered; it may be going away");
        }

        return [.. reached
            .OrderBy(i => i.Silo, StringComparer.Ordinal)
            .Select(i => new Front(grains.GetGrain<IIngestGrain>(i.Silo), i))];

        // A silo that died and is not declared dead yet is still listed: leave it out, the others take the work.
        static async Task<IngestFrontInfo?> InfoOrNullAsync(IIngestGrain front)
        {
            try
            {
                return await front.GetInfoAsync().WaitAsync(FrontTimeout);
            }
            catch (Exception e) when (ClusterRetry.IsTransient(e))
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Ingests <paramref name="documents"/>. With <paramref name="records"/>, every batch also brings
    /// back its training records, handed over once per batch (never twice, whatever the retries).
    /// A <paramref name="tokenizer"/> that cannot work throws <see cref="ArgumentException"/> before anything is sent.
    /// </summary>
    /// <remarks>
    /// Exactly-once effect: a batch keeps its id on every attempt, and an expert that already learned
    /// a batch id does not count it again, so a retry after a lost answer or a crashed silo adds only
    /// what had not landed. A batch is acknowledged (counted in the summary) only once every expert it
    /// reached has stored it. With <paramref name="idempotencyKey"/> the batch ids derive from the key
    /// and the batch's position, so sending the same documents again under the same key (a client
    /// retrying a whole request) counts nothing twice either.
    /// </remarks>
    public async Task<IngestSummary> IngestAsync(
        IEnumerable<DocumentInput> documents,
        TokenizerSpec tokenizer,
        IProgress<IngestProgress>? progress = null,
        Func<EncodedRecord[], CancellationToken, ValueTask>? records = null,
        string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        EncoderResolver.Validate(tokenizer);
        var summary = new IngestSummary();
        var capacity = _fronts.Sum(f => Capacity(f));
        var ordinal = 0;
        using var slots = new SemaphoreSlim(capacity, capacity);

        // Membership is looked at again on a clock, not only when batches start: while batches wait on
        // a silo that died, one that joined is found all the same.
        using var stopLooking = new CancellationTokenSource();
        var looking = LookForSilosAsync(stopLooking.Token);
        var running = new List<Task>();
        var batch = new List<DocumentInput>();
        var characters = 0;
        try
        {
            foreach (var document in documents)
            {
                batch.Add(document);
                characters += document.Text.Length;
                if (characters >= _options.MaxBatchCharacters || batch.Count >= _options.MaxBatchDocuments)
                {
                    await StartAsync();
                }
            }

            if (batch.Count > 0)
            {
                await StartAsync();
            }

            await Task.WhenAll(running);
        }
        finally
        {
            // Also when reading the documents failed or the caller cancelled: nothing keeps looking.
            await stopLooking.CancelAsync();
            await looking;
        }

        return summary;

        async Task StartAsync()
        {
            var documentsOfBatch = batch.ToArray();
            batch.Clear();
            characters = 0;
            await slots.WaitAsync(cancellationToken);
            // Keep faulted tasks: their exceptions must reach the caller through the final WhenAll.
            running.RemoveAll(t => t.IsCompletedSuccessfully);
            var id = idempotencyKey is null ? Guid.NewGuid() : BatchId(idempotencyKey, ordinal);
            ordinal++;
            running.Add(RunAsync(new IngestBatch(id, tokenizer, documentsOfBatch, records is not null)));
        }

        async Task RunAsync(IngestBatch work)
        {
            try
            {
                var result = await SendWithRetriesAsync(work, summary, cancellationToken);
                if (result is not null && records is not null && result.Records.Length > 0)
                {
                    await records(result.Records, cancellationToken);
                }

                IngestProgress snapshot;
                lock (_gate)
                {
                    summary.Batches++;
                    if (result is null)
                    {
                        summary.FailedBatches++;
                        summary.Rejections.AddRange(work.Documents.Select(d =>
                            new DocumentRejection(d.Id, "ingest_failed", $"the cluster did not take it within {_options.RetryFor.TotalSeconds:F0} s of retries")));
                    }
                    else
                    {
                        summary.Accepted += result.Accepted;
                        summary.Tokens += result.Tokens;
                        summary.Bytes += result.Bytes;
                        summary.Rejections.AddRange(result.Rejected);
                        summary.BatchesBySilo[result.EncodedOnSilo] = summary.BatchesBySilo.GetValueOrDefault(result.EncodedOnSilo) + 1;
                    }

                    snapshot = new IngestProgress(summary.Accepted, summary.Rejections.Count, summary.Bytes, summary.Tokens);
                }

                progress?.Report(snapshot);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    private async Task LookForSilosAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.RediscoverEvery, _options.Time, cancellationToken);
                RediscoverInBackground();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The ingestion is over.
        }
    }

    private int Capacity(Front front) => Math.Max(1, front.Info.Cores * _options.BatchesInFlightPerCore);

    /// <summary>Sends a batch until a front takes it or <see cref="IngestDispatcherOptions.RetryFor"/> has passed; null when it never did.</summary>
    private async Task<IngestBatchResult?> SendWithRetriesAsync(IngestBatch batch, IngestSummary summary, CancellationToken cancellationToken)
    {
        Front? failed = null;
        try
        {
            return await _options.Retry().RunAsync(
                async () =>
                {
                    var front = Acquire(avoid: failed);
                    try
                    {
                        // The same batch id on every attempt: experts that already learned it do not count it again.
                        return await front.Grain.IngestAsync(batch);
                    }
                    catch (Exception e) when (ClusterRetry.IsTransient(e, cancellationToken))
                    {
                        failed = front;
                        throw;
                    }
                    finally
                    {
                        Release(front);
                    }
                },
                retried: _ =>
                {
                    lock (_gate)
                    {
                        summary.Retries++;
                    }

                    // A silo may have gone: look at membership again (once for all batches) while waiting.
                    RediscoverInBackground();
                },
                cancellationToken);
        }
        catch (Exception e) when (ClusterRetry.IsTransient(e, cancellationToken))
        {
            return null;
        }
    }

    private void RediscoverInBackground()
    {
        lock (_gate)
        {
            if (_rediscovery is { IsCompleted: false })
            {
                return;
            }

            _rediscovery = Task.Run(async () =>
            {
                try
                {
                    var fronts = await DiscoverAsync(_grains);
                    if (fronts.Count > 0)
                    {
                        lock (_gate)
                        {
                            // Keep the in-flight counts of fronts that stay.
                            _fronts = [.. fronts.Select(f => _fronts.Find(old => old.Info.Silo == f.Info.Silo) ?? f)];
                        }
                    }
                }
                catch (Exception e) when (ClusterRetry.IsTransient(e))
                {
                    // Membership is not reachable right now; the next failure looks again.
                }
            });
        }
    }

    /// <summary>The least loaded front per core; ties go round, so that every silo gets work even when few batches are out.</summary>
    private Front Acquire(Front? avoid = null)
    {
        lock (_gate)
        {
            Front? best = null;
            var count = _fronts.Count;
            var start = _turn % count;
            _turn = (_turn + 1) & int.MaxValue;
            for (var i = 0; i < count; i++)
            {
                var front = _fronts[(start + i) % count];
                if (front == avoid && count > 1)
                {
                    continue;
                }

                if (best is null || (front.InFlight + 1.0) / front.Info.Cores < (best.InFlight + 1.0) / best.Info.Cores)
                {
                    best = front;
                }
            }

            best!.InFlight++;
            return best;
        }
    }

    private void Release(Front front)
    {
        lock (_gate)
        {
            front.InFlight--;
        }
    }

    private sealed class Front(IIngestGrain grain, IngestFrontInfo info)
    {
        public IIngestGrain Grain { get; } = grain;

        public IngestFrontInfo Info { get; } = info;

        public int InFlight { get; set; }
    }
}
