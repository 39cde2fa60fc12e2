using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GlobalBrain.Grains.Tests;

/// <summary>The GlobalBrain meter: what ingestion and exchange record, and with which (few) tags.</summary>
[Collection(ThreeSiloCluster.Name)]
public sealed class TelemetryTests(ClusterFixture fixture)
{
    private static readonly string[] AllowedTags = ["reason", "mode"];

    [Fact]
    public async Task Ingest_CountsDocumentsTokensAndRejections_WithLowCardinalityTagsOnly()
    {
        // Only this cluster's silos: other test classes run their own clusters in this process meanwhile.
        using var listener = new MeterRecorder(fixture.Cluster);
        var documents = Enumerable.Range(0, 50).Select(i => new DocumentInput($"telemetry/{i}", $"metrics count every document {i} once")).ToList();
        documents.Add(new DocumentInput("telemetry/blank", "  "));
        var dispatcher = await IngestDispatcher.ConnectAsync(fixture.Client, new IngestDispatcherOptions { MaxBatchDocuments = 7 });

        await dispatcher.IngestAsync(documents, TokenizerSpec.Default);
        await Poll.UntilAsync(() => listener.Sum("globalbrain.exchanges") > 0, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        var encoder = TextEncoders.Get("cl100k_base");
        Assert.Equal(50, listener.Sum("globalbrain.ingest.documents"));
        Assert.Equal(documents.Take(50).Sum(d => (long)encoder.Encode(d.Text).Length), listener.Sum("globalbrain.ingest.tokens"));
        Assert.Equal(1, listener.Sum("globalbrain.ingest.rejected", ("reason", "empty")));
        Assert.Equal(8, listener.Count("globalbrain.tokenize.duration"));
        Assert.True(listener.Sum("globalbrain.exchanges", ("mode", "push-pull")) > 0);
        Assert.All(listener.TagKeys, key => Assert.Contains(key, AllowedTags));
    }

    [Fact]
    public async Task A_batch_sent_again_is_counted_once_by_the_meter_and_the_experts()
    {
        using var listener = new MeterRecorder(fixture.Cluster);
        var aggregator = fixture.Client.GetGrain<IAggregatorGrain>(0);
        var before = await aggregator.GetMetricsAsync();
        var documents = Enumerable.Range(0, 30).Select(i => new DocumentInput($"twice/{i}", $"a retried batch {i} must count once")).ToArray();
        var batch = new IngestBatch(Guid.NewGuid(), TokenizerSpec.Default, documents, ReturnRecords: false);
        var fronts = (await IngestDispatcher.ConnectAsync(fixture.Client)).Fronts;

        // The first answer "lost": the same batch again, on another silo's front.
        var first = await fixture.Client.GetGrain<IIngestGrain>(fronts[0].Silo).IngestAsync(batch);
        var second = await fixture.Client.GetGrain<IIngestGrain>(fronts[^1].Silo).IngestAsync(batch);

        var encoder = TextEncoders.Get("cl100k_base");
        var tokens = documents.Sum(d => (long)encoder.Encode(d.Text).Length);
        Assert.Equal(first.Accepted, second.Accepted);
        Assert.Equal(30, listener.Sum("globalbrain.ingest.documents"));
        Assert.Equal(tokens, listener.Sum("globalbrain.ingest.tokens"));
        Assert.Equal(documents.Sum(d => (long)System.Text.Encoding.UTF8.GetByteCount(d.Text)), listener.Sum("globalbrain.ingest.text"));
        var after = await aggregator.GetMetricsAsync();
        Assert.Equal(before.Documents + 30, after.Documents);
        Assert.Equal(before.Tokens + tokens, after.Tokens);
    }

    [Fact]
    public void ConvergenceTime_IsFromTheGrowthOfIUntilMeanReachIsBackAtTheTarget()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        // No cluster behind this cache: a background refresh from the live test cluster could otherwise land
        // between the figures recorded below and replace them (it did, once in a CI run).
        var cache = new ClusterMetricsCache(System.Reflection.DispatchProxy.Create<IGrainFactory, NoCluster>(), Options.Create(new MetricsOptions()), clock, NullLogger<ClusterMetricsCache>.Instance);

        Assert.Empty(cache.ObserveConvergence());
        Assert.Empty(cache.Observe(m => m.MeanReach));
        cache.Record(Metrics(items: 100, meanReach: 0.2));
        clock.Advance(TimeSpan.FromSeconds(3));
        cache.Record(Metrics(items: 100, meanReach: 0.7));
        clock.Advance(TimeSpan.FromSeconds(4));
        cache.Record(Metrics(items: 100, meanReach: 0.995));

        Assert.Equal(7, Assert.Single(cache.ObserveConvergence()).Value, 6);
        Assert.Equal(0.995, Assert.Single(cache.Observe(m => m.MeanReach)).Value);
    }

    [Fact]
    public void ConvergenceTime_CountsFromTheLastBatchLearned_EvenWhenTheFirstPassSeesItSpreadAlready()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddMinutes(1));
        var cache = new ClusterMetricsCache(System.Reflection.DispatchProxy.Create<IGrainFactory, NoCluster>(), Options.Create(new MetricsOptions()), clock, NullLogger<ClusterMetricsCache>.Instance);
        var learned = clock.GetUtcNow().AddSeconds(-6);

        // The first pass ends after knowledge has spread: 6 s since the batch was learned, not 0.
        cache.Record(Metrics(items: 100, meanReach: 1.0) with { LastLearned = learned });
        Assert.Equal(6, Assert.Single(cache.ObserveConvergence()).Value, 6);

        // A later batch: measured from it; passes that see the same batch again change nothing.
        clock.Advance(TimeSpan.FromSeconds(10));
        cache.Record(Metrics(items: 120, meanReach: 0.5) with { LastLearned = clock.GetUtcNow().AddSeconds(-1) });
        clock.Advance(TimeSpan.FromSeconds(4));
        cache.Record(Metrics(items: 120, meanReach: 0.999) with { LastLearned = clock.GetUtcNow().AddSeconds(-5) });
        Assert.Equal(5, Assert.Single(cache.ObserveConvergence()).Value, 6);
        clock.Advance(TimeSpan.FromSeconds(4));
        cache.Record(Metrics(items: 120, meanReach: 1.0) with { LastLearned = clock.GetUtcNow().AddSeconds(-9) });
        Assert.Equal(5, Assert.Single(cache.ObserveConvergence()).Value, 6);
    }

    [Fact]
    public void A_stopped_cache_asks_the_aggregator_no_more_and_keeps_its_last_figures()
    {
        // A stopping silo's experts leave its board, and a pass would wake them again (with every silo
        // stopping, one failed placement and its logged retries per expert): from the silo's stop, no pass.
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var cluster = System.Reflection.DispatchProxy.Create<IGrainFactory, CountingCluster>();
        var cache = new ClusterMetricsCache(cluster, Options.Create(new MetricsOptions()), clock, NullLogger<ClusterMetricsCache>.Instance);
        cache.Record(Metrics(items: 100, meanReach: 0.5));
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0.5, Assert.Single(cache.Observe(m => m.MeanReach)).Value);
        var asked = ((CountingCluster)(object)cluster).Calls;
        Assert.Equal(1, asked); // stale figures: a refresh was started (and failed: no cluster)

        cache.Stop();
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0.5, Assert.Single(cache.Observe(m => m.MeanReach)).Value);
        clock.Advance(TimeSpan.FromMinutes(1)); // the refresh timer's period, many times over
        Assert.Equal(asked, ((CountingCluster)(object)cluster).Calls);
    }

    /// <summary>A grain factory with no cluster that counts what it was asked.</summary>
#pragma warning disable CA1852 // DispatchProxy needs a type it can derive from.
    public class CountingCluster : System.Reflection.DispatchProxy
#pragma warning restore CA1852
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("no cluster behind this grain factory");
        }
    }

    /// <summary>A grain factory with no cluster: every call fails as a cluster that is not there yet would.</summary>
#pragma warning disable CA1852 // DispatchProxy needs a type it can derive from.
    public class NoCluster : System.Reflection.DispatchProxy
#pragma warning restore CA1852
    {
        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) =>
            throw new InvalidOperationException("no cluster behind this grain factory");
    }

    private static ClusterMetrics Metrics(double items, double meanReach) =>
        new(16, 1, 10, 100, items, meanReach, meanReach, meanReach, 0, items * meanReach * 16, 0, 0, 3, DateTimeOffset.UnixEpoch);
}
