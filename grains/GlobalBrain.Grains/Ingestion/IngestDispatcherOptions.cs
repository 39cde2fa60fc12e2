using GlobalBrain.Grains.Hosting;

namespace GlobalBrain.Grains.Ingestion;

/// <summary>Limits of <see cref="IngestDispatcher"/>.</summary>
public sealed class IngestDispatcherOptions
{
    /// <summary>A batch closes once its text reaches this many characters …</summary>
    public int MaxBatchCharacters { get; init; } = 256 * 1024;

    /// <summary>… or holds this many documents.</summary>
    public int MaxBatchDocuments { get; init; } = 512;

    /// <summary>Batches in flight per silo core: as many as an ingest front takes by default (<see cref="IngestOptions.MaxBatchesInFlight"/>).</summary>
    /// <remarks>
    /// A batch spends most of its time waiting for its experts' writes (group commit), not on a core: with 2 per core
    /// the tokenizers ran dry. Embedded bert ingest of 40 MB (ten copies of the corpus), 2 against 4 alternating,
    /// 2026-12-03: 86–102 against 137–161 MB/s at 128 tokens and 71–80 against 88–95 MB/s at full length, with less CPU
    /// per pass (more batches share each write). 8 per core gained nothing more at 128 tokens.
    /// </remarks>
    public int BatchesInFlightPerCore { get; init; } = 4;

    /// <summary>How long a batch is retried (on other silos, after backoff) before its documents are reported as failed.</summary>
    /// <remarks>Longer than Orleans takes to declare a vanished silo dead (≈ 15 s by default), so a crash is ridden out.</remarks>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>First wait between attempts; it doubles up to <see cref="MaxRetryDelay"/>, with jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a learned batch's duplicate claims wait for those of the batches learned after it, to be confirmed with
    /// them in one call per partition (zero: each batch's alone, as soon as it is learned). The run confirms what is
    /// pending when it ends, so this only groups; meanwhile other runs find the keys held (they wait or ask again).
    /// </summary>
    public TimeSpan ConfirmLinger { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a running ingestion looks at membership again, so that silos that join get batches.</summary>
    public TimeSpan RediscoverEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock of retries and rediscovery (a fake one in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the jitter of retry delays comes from (a seeded one in tests).</summary>
    public RandomSource Random { get; init; } = RandomSource.Shared;

    /// <summary>Which silos' ingest fronts get batches (null: all): a host can keep its requests on its own silo.</summary>
    public Func<IngestFrontInfo, bool>? UseFront { get; init; }

    /// <summary>The retry policy of every call with this budget and these delays.</summary>
    public ClusterRetry Retry() => new(RetryFor, Time, Random.NextDouble) { FirstDelay = RetryDelay, MaxDelay = MaxRetryDelay };
}
