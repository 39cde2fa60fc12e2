using GlobalBrain.Domain.Tokenization;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Grains.Tests;

/// <summary>
/// A silo's ingest front takes a bounded number of batches; more senders than it takes get
/// <see cref="IngestBusyException"/>, back off and retry, and every document still counts once.
/// </summary>
public sealed class BackpressureTests : OwnCluster<BackpressureTests.OneBatchAtATime>
{
    private const int Experts = 8;
    [Fact]
    public async Task A_full_front_refuses_batches_and_the_senders_retry_until_all_count_once()
    {
        var encoder = TextEncoders.Get("cl100k_base");
        var senders = Enumerable.Range(0, 4).Select(s => Enumerable.Range(0, 60)
            .Select(i => new DocumentInput($"sender{s}-{i}", $"sender {s} writes document {i} about knowledge number {i * 7 + s} and busy fronts"))
            .ToList()).ToList();
        var options = new IngestDispatcherOptions { MaxBatchDocuments = 3, RetryDelay = TimeSpan.FromMilliseconds(20), MaxRetryDelay = TimeSpan.FromMilliseconds(200) };
        var dispatchers = await Task.WhenAll(senders.Select(_ => IngestDispatcher.ConnectAsync(Cluster.Client, options)));

        var summaries = await Task.WhenAll(dispatchers.Zip(senders, (d, documents) => d.IngestAsync(documents, TokenizerSpec.Default)));

        Assert.All(summaries, s => Assert.Empty(s.Rejections));
        Assert.True(summaries.Sum(s => s.Retries) > 0, "four senders against a front that takes one batch at a time were never refused");
        var metrics = await Cluster.Client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        Assert.Equal(senders.Sum(d => d.Count), metrics.Documents);
        Assert.Equal(senders.Sum(d => d.Sum(x => (long)encoder.Encode(x.Text).Length)), metrics.Tokens);
    }

    public sealed class OneBatchAtATime : Orleans.TestingHost.ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = Experts;
                o.FlowRate = 0;
            });
            siloBuilder.Services.Configure<IngestOptions>(o =>
            {
                o.MaxBatchesInFlight = 1;
                o.QueueTimeout = TimeSpan.Zero;
            });
        }
    }
}
