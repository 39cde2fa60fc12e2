namespace GlobalBrain.Grains.Ingestion;

/// <summary>
/// Cuts documents into batches and spreads them over the ingest fronts of all active silos, in
/// proportion to their cores, with a bounded number in flight. Used by the CLI and the HTTP API.
/// </summary>
/// <remarks>
/// Collaborators: <see cref="DocumentBatches"/> cuts, <see cref="IngestFronts"/> knows the silos and
/// routes, <see cref="BatchSender"/> retries, <see cref="IngestSummary"/> is built from the batches' outcomes at the end.
/// </remarks>
public sealed class IngestDispatcher
{
    private readonly IngestDispatcherOptions _options;
    private readonly ClusterRetry _retry;
    private readonly IngestFronts _fronts;
    private readonly BatchSender _sender;

    private readonly Quality.DedupClaimer _claimer;

    private IngestDispatcher(IGrainFactory grains, IngestDispatcherOptions options)
    {
        _options = options;
        _retry = options.Retry();
        _fronts = new IngestFronts(options.UseFront is { } use
            ? async () => [.. (await IngestFrontDiscovery.DiscoverAsync(grains)).Where(f => use(f.Info))]
            : () => IngestFrontDiscovery.DiscoverAsync(grains));
        _sender = new BatchSender(_fronts, _retry);
        _claimer = new Quality.DedupClaimer(grains, options.Time);
    }

    /// <summary>The silos batches go to, and their cores.</summary>
    public IReadOnlyList<IngestFrontInfo> Fronts => _fronts.Infos;

    /// <summary>
    /// A dispatcher that finds the active silos when it is first used, and again on each use while it
    /// knows of none: for a host that is up before the cluster can take work (the silo's HTTP API).
    /// </summary>
    public static IngestDispatcher Create(IGrainFactory grains, IngestDispatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return new IngestDispatcher(grains, options ?? new IngestDispatcherOptions());
    }

    /// <summary>Finds the active silos and their ingest fronts, retrying within the options' budget (a silo may be dying).</summary>
    /// <exception cref="InvalidOperationException">The cluster has no active silo.</exception>
    public static async Task<IngestDispatcher> ConnectAsync(IGrainFactory grains, IngestDispatcherOptions? options = null, CancellationToken cancellationToken = default)
    {
        var dispatcher = Create(grains, options);
        await dispatcher._fronts.ConnectAsync(dispatcher._retry, cancellationToken);
        return dispatcher;
    }

    /// <summary>The batch id of batch <paramref name="ordinal"/> of a request with an idempotency key: the same on every retry of the request.</summary>
    public static Guid BatchId(string idempotencyKey, int ordinal) => DocumentBatches.Id(idempotencyKey, ordinal);

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
    /// <para>
    /// With <paramref name="filters"/>, documents are screened on the silos before they are tokenized
    /// (quality rules, language, personal data). When duplicates are dropped, each batch is first screened on
    /// a front, then its duplicate keys are claimed at the partitions — batch after batch in input order, so the
    /// first of two duplicates in the input is the one kept however the batches race — and then what is new is
    /// tokenized and learned. Claimants are the run (the idempotency key when given) and the document's position,
    /// so a batch sent again is not its own duplicate. The claims are tentative until the batch is acknowledged (then
    /// confirmed — together with those of the batches learned within <see cref="IngestDispatcherOptions.ConfirmLinger"/> after
    /// it, one call per partition, and all before the run returns); a batch given up after its retries, or cancelled, releases them, so that what never went in is
    /// never taken for a duplicate later (a client that dies leaves them to run out with their lease). A partition keeps
    /// tentative claims in memory only; the run also remembers its own until they are confirmed, so a partition reloaded
    /// in between (its silo died) cannot let a later copy in the same run in.
    /// </para>
    /// </remarks>
    /// <exception cref="InvalidOperationException">The dispatcher knows of no silo yet, and the cluster has no active one.</exception>
    public async Task<IngestSummary> IngestAsync(
        IEnumerable<DocumentInput> documents,
        TokenizerSpec tokenizer,
        IProgress<IngestProgress>? progress = null,
        Func<EncodedRecord[], CancellationToken, ValueTask>? records = null,
        string? idempotencyKey = null,
        IngestFilters? filters = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        EncoderResolver.Validate(tokenizer);
        filters ??= IngestFilters.Off;
        var run = idempotencyKey is null ? Quality.DedupClaimer.RunOf(Guid.NewGuid()) : Quality.DedupClaimer.RunOf(idempotencyKey);

        // The keys this run's batches hold tentatively: a partition reloaded in between has forgotten them, the run has not.
        var runClaims = new Quality.RunClaims();

        // Learned batches' claims are confirmed in groups, all of them before the run returns.
        var confirmations = new Quality.DedupConfirmations(_options.ConfirmLinger, _retry, _options.Time, cancellationToken);
        await _fronts.ConnectAsync(_retry, cancellationToken);
        var capacity = _fronts.Capacity(_options.BatchesInFlightPerCore);
        using var slots = new SemaphoreSlim(capacity, capacity);
        var outcomes = new List<BatchOutcome>();
        var totals = new IngestProgress();
        var outcomesGate = new Lock();
        var running = new List<Task>();

        // Membership is looked at again on a clock, not only when batches start: while batches wait on
        // a silo that died, one that joined is found all the same.
        using var stopLooking = new CancellationTokenSource();
        var looking = _fronts.WatchAsync(_options.RediscoverEvery, _options.Time, stopLooking.Token);
        try
        {
            var ordinal = 0;
            var firstDocument = 0L;

            // Each batch claims its duplicates after the one before it has (or has failed to): first-seen is input order.
            var claimTurn = Task.CompletedTask;
            foreach (var batch in DocumentBatches.Cut(documents, _options.MaxBatchCharacters, _options.MaxBatchDocuments))
            {
                await slots.WaitAsync(cancellationToken);

                // Keep faulted tasks: their exceptions must reach the caller through the final WhenAll.
                running.RemoveAll(t => t.IsCompletedSuccessfully);
                var id = idempotencyKey is null ? Guid.NewGuid() : BatchId(idempotencyKey, ordinal);
                var work = new IngestBatch(id, tokenizer, batch, records is not null) { Filters = filters.Screens ? filters : null };
                if (filters.Dedup == DedupMode.Off)
                {
                    running.Add(RunAsync(ordinal, work));
                }
                else
                {
                    var claimed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    running.Add(RunScreenedAsync(ordinal, firstDocument, work, claimTurn, claimed));
                    claimTurn = claimed.Task;
                }

                ordinal++;
                firstDocument += batch.Length;
            }

            await Task.WhenAll(running);
        }
        finally
        {
            // Also when reading the documents failed or the caller cancelled: nothing keeps looking. What was learned
            // is confirmed all the same (a cancelled run's confirmations meet its cancellation and are let be).
            await stopLooking.CancelAsync();
            await looking;
            await confirmations.CompleteAsync();
        }

        confirmations.ThrowIfFailed();

        return IngestSummary.Of(outcomes) with { Filters = filters };

        async Task RunAsync(int ordinal, IngestBatch work)
        {
            try
            {
                var (result, retries) = await _sender.SendAsync(work, cancellationToken);
                await CompleteAsync(result, result is null
                    ? BatchOutcome.NotTaken(ordinal, work.Documents, retries, _options.RetryFor)
                    : BatchOutcome.Taken(ordinal, result, retries));
            }
            finally
            {
                slots.Release();
            }
        }

        async Task RunScreenedAsync(int ordinal, long firstDocument, IngestBatch work, Task claimTurn, TaskCompletionSource claimed)
        {
            try
            {
                var (screened, retries) = await _sender.ScreenAsync(work, cancellationToken);
                Quality.DedupClaim? claim = null;
                try
                {
                    await claimTurn;
                    if (screened is not null)
                    {
                        claim = await _claimer.ClaimAsync(screened.Passed, filters.Dedup, run, firstDocument, runClaims, _retry, cancellationToken);
                    }
                }
                catch (Exception e) when (ClusterRetry.IsTransient(e, cancellationToken))
                {
                    // The partitions did not answer within the budget: the batch fails as one no front took.
                }
                finally
                {
                    claimed.TrySetResult();
                }

                if (screened is null || claim is null)
                {
                    await CompleteAsync(null, BatchOutcome.NotTaken(ordinal, work.Documents, retries, _options.RetryFor));
                    return;
                }

                IngestBatchResult? result = null;
                var more = 0;
                try
                {
                    (result, more) = await _sender.SendAsync(Quality.ScreenedCommit.Build(work, screened, claim.Verdicts), cancellationToken);
                }
                finally
                {
                    if (result is null)
                    {
                        // Given up after every retry, or cancelled: the documents are not in, so their keys are others' to take.
                        await claim.ReleaseAsync();
                    }
                }

                if (result is not null)
                {
                    confirmations.Add(claim);
                }

                await CompleteAsync(result, result is null
                    ? BatchOutcome.NotTaken(ordinal, work.Documents, retries + more, _options.RetryFor)
                    : BatchOutcome.Taken(ordinal, screened, result, work.Documents.Sum(d => (long)System.Text.Encoding.UTF8.GetByteCount(d.Text)), retries + more));
            }
            finally
            {
                claimed.TrySetResult();
                slots.Release();
            }
        }

        async Task CompleteAsync(IngestBatchResult? result, BatchOutcome outcome)
        {
            if (result is not null && records is not null && result.Records.Length > 0)
            {
                await records(result.Records, cancellationToken);
            }

            IngestProgress snapshot;
            lock (outcomesGate)
            {
                outcomes.Add(outcome);
                totals = totals.Add(outcome);
                snapshot = totals;
            }

            progress?.Report(snapshot);
        }
    }
}
