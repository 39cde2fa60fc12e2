using System.Diagnostics;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests.Experts;

/// <summary>
/// The gauges' call waits for a pass that outlasts the messaging timeout: a first pass wakes every expert
/// (minutes at 10^6), and a call that timed out meanwhile left the aggregator's silo logging a warning for
/// every status update it could no longer deliver. Here a client whose calls time out after 1 s asks while
/// waking the experts takes 2 s (their storage reads are that slow).
/// </summary>
public sealed class RecentMetricsTimeoutTests : OwnCluster<RecentMetricsTimeoutTests.SlowStorageSilo>
{
    private const int Experts = 8;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReadDelay = TimeSpan.FromSeconds(2);

    protected override void Configure(TestClusterBuilder builder) => builder.AddClientBuilderConfigurator<ImpatientClient>();

    [Fact]
    public async Task RecentMetrics_AreAnswered_WhenThePassOutlastsTheDefaultTimeout()
    {
        var clock = Stopwatch.StartNew();
        var metrics = await Cluster.Client.GetGrain<IAggregatorGrain>(0).GetRecentMetricsAsync(TimeSpan.Zero);
        var took = clock.Elapsed;

        Assert.True(took > ClientTimeout, $"the pass took {took.TotalSeconds:F1} s: not longer than the client's {ClientTimeout.TotalSeconds} s timeout, so this proves nothing");
        Assert.Equal(Experts, metrics.Experts);
        Assert.Equal(Experts, metrics.Woken);
    }

    [Fact]
    public async Task A_call_with_the_default_timeout_times_out_on_the_same_pass()
    {
        // The control: the same pass, asked with the client's default timeout, is not waited for.
        await Assert.ThrowsAsync<TimeoutException>(() => Cluster.Client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync());
    }

    public sealed class SlowStorageSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain(addMemoryStorage: false);
            siloBuilder.Services.AddKeyedSingleton<IGrainStorage>(GlobalBrainSiloBuilderExtensions.ShardStorage, new RecordingStorage(ReadDelay));
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = Experts;
                o.FlowRate = 0;
            });
        }
    }

    public sealed class ImpatientClient : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ClientTimeout);
    }
}
