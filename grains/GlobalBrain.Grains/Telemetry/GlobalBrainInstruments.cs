using System.Diagnostics.Metrics;

namespace GlobalBrain.Grains.Telemetry;

/// <summary>
/// The <c>GlobalBrain</c> meter's instruments, one set per silo (from <see cref="IMeterFactory"/>).
/// Tags are low-cardinality only (a rejection reason, an exchange mode, an injected fault): the series count never
/// depends on N, on documents or on runs. Prometheus names: dots become underscores, the unit is
/// appended (<c>_seconds</c>, <c>_bytes</c>) and counters end in <c>_total</c>.
/// </summary>
public sealed class GlobalBrainInstruments
{
    public const string MeterName = "GlobalBrain";

    // Seconds and bytes, not the exporter's millisecond defaults.
    private readonly Counter<long> _apiRefused;

    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly long[] SizeBuckets = [1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864];

    public GlobalBrainInstruments(IMeterFactory meters, ClusterMetricsCache cluster, ExchangeRateGauge exchangeRate, Experts.ExchangeClock clock)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(exchangeRate);
        ArgumentNullException.ThrowIfNull(clock);
        var meter = meters.Create(MeterName);
        DocumentsIngested = meter.CreateCounter<long>("globalbrain.ingest.documents", "{document}", "Documents ingested (accepted by a tokenizer and learned by an expert).");
        DocumentsRejected = meter.CreateCounter<long>("globalbrain.ingest.rejected", "{document}", "Documents refused, by reason (empty, tokenizer_failed, malformed_json …).");
        Tokens = meter.CreateCounter<long>("globalbrain.ingest.tokens", "{token}", "Content tokens of ingested documents.");
        Text = meter.CreateCounter<long>("globalbrain.ingest.text", "By", "UTF-8 bytes of ingested text.");
        Exchanges = meter.CreateCounter<long>("globalbrain.exchanges", "{exchange}", "Exchanges experts started, by mode.");
        MergedBytes = meter.CreateCounter<long>("globalbrain.exchange.merged", "By", "Shard bytes carried by exchanges and merged.");
        _apiRefused = meter.CreateCounter<long>("globalbrain.api.refused", "{request}", "HTTP API requests answered with an error, by status: 400, 401, 413, 415, 429, 503, other.");
        IngestBusy = meter.CreateCounter<long>("globalbrain.ingest.busy", "{batch}", "Batches an ingest front refused because it was full (GlobalBrain:Ingest:MaxBatchesInFlight); their senders retry.");
        FaultsInjected = meter.CreateCounter<long>("globalbrain.faults.injected", "{fault}", "Faults injected into exchanges (GlobalBrain:Faults), by fault: drop, duplicate, delay, reorder, deactivate.");
        TokenizeDuration = meter.CreateHistogram("globalbrain.tokenize.duration", "s", "Time to tokenize one batch.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        ExchangeDuration = meter.CreateHistogram("globalbrain.exchange.duration", "s", "Time of one exchange, as its initiator sees it.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        BatchSize = meter.CreateHistogram("globalbrain.ingest.batch.size", "By", "UTF-8 bytes of text per ingest batch.", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = SizeBuckets });

        // This silo's exchange rate, achieved and asked for: a silo that cannot keep up shows it here.
        meter.CreateObservableGauge("globalbrain.exchange.rate.achieved", exchangeRate.ObserveAchieved, "1/s", "Exchanges this silo's experts started per second (over the time since the previous scrape).");
        meter.CreateObservableGauge("globalbrain.exchange.rate.configured", () => exchangeRate.Configured, "1/s", "Exchanges per second this silo's experts are asked to start: the experts active here × v.");
        meter.CreateObservableGauge("globalbrain.exchanges.in_flight", () => clock.InFlight, "{exchange}", "Exchanges this silo's experts have under way; at GlobalBrain:Experts:MaxExchangesInFlight further ticks are skipped.");

        // The global figures, as the aggregator last computed them (ClusterMetricsCache refreshes them in
        // the background, so a scrape never waits for N experts).
        meter.CreateObservableGauge("globalbrain.experts", () => cluster.Observe(m => (double)m.Experts), "{expert}", "N, the number of experts.");
        meter.CreateObservableGauge("globalbrain.flow_rate", () => cluster.Observe(m => m.FlowRate), "1/s", "v, exchanges each expert starts per second.");
        meter.CreateObservableGauge("globalbrain.items.distinct", () => cluster.Observe(m => m.DistinctItems), "{item}", "I, distinct knowledge items in the network (HyperLogLog estimate).");
        meter.CreateObservableGauge("globalbrain.reach.mean", () => cluster.Observe(m => m.MeanReach), "1", "Mean reach: the share of I an expert holds, averaged.");
        meter.CreateObservableGauge("globalbrain.reach.min", () => cluster.Observe(m => m.MinReach), "1", "Reach of the expert that holds the least.");
        meter.CreateObservableGauge("globalbrain.collective_intelligence", () => cluster.Observe(m => m.CollectiveIntelligence), "{item}", "C = Σ|K_i|, items held summed over experts.");
        meter.CreateObservableGauge("globalbrain.convergence.time", cluster.ObserveConvergence, "s", "Seconds from the last growth of I until mean reach reached the target again.");
    }

    public Counter<long> DocumentsIngested { get; }

    public Counter<long> DocumentsRejected { get; }

    public Counter<long> Tokens { get; }

    public Counter<long> Text { get; }

    public Counter<long> Exchanges { get; }

    public Counter<long> MergedBytes { get; }

    public Counter<long> IngestBusy { get; }

    /// <summary>Counts an HTTP API request answered with <paramref name="status"/> (≥ 400); the tag takes a fixed set of values.</summary>
    public void ApiRefused(int status) => _apiRefused.Add(1, new KeyValuePair<string, object?>("status", status switch
    {
        400 or 401 or 413 or 415 or 429 or 503 => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "other",
    }));

    public Counter<long> FaultsInjected { get; }

    public Histogram<double> TokenizeDuration { get; }

    public Histogram<double> ExchangeDuration { get; }

    public Histogram<long> BatchSize { get; }
}
