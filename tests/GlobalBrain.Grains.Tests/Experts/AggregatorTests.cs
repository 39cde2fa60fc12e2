using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Domain.Metrics;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Grains.Tests.Experts;

/// <summary>
/// The aggregator merges the silos' partial aggregators (one call per silo) and asks only the experts no
/// silo holds: its figures must equal a direct union over every expert, asked one by one.
/// </summary>
public sealed class AggregatorTests : OwnCluster<AggregatorTests.StillSilo>
{
    internal const int Experts = 64;

    protected override short Silos => 2;

    [Fact]
    public async Task Metrics_EqualADirectUnionOverEveryExpert_WhetherExpertsAreActiveAsleepOrWoken()
    {
        var client = Cluster.Client;
        var precision = (await client.GetGrain<IAggregatorGrain>(0).GetSettingsAsync()).Precision;

        // Ten origins learn different things; some experts then merge others' shards (shared, partly
        // overlapping knowledge); the other experts are never touched and sleep.
        var random = new Random(7);
        for (var origin = 0; origin < 10; origin++)
        {
            var hashes = Enumerable.Range(0, 50 + (origin * 300)).Select(_ => (ulong)random.NextInt64()).ToArray();
            await client.GetGrain<IExpertGrain>(origin).LearnAsync(new KnowledgeDelta(Guid.NewGuid(), 1 + origin, 10 * (origin + 1), hashes));
        }

        for (var i = 10; i < 20; i++)
        {
            var from = (await client.GetGrain<IExpertGrain>(i % 10).ShareAsync()).Shard;
            await client.GetGrain<IExpertGrain>(i).ExchangeAsync(new ShardSnapshot(from));
            await client.GetGrain<IExpertGrain>(i).ExchangeAsync(new ShardSnapshot((await client.GetGrain<IExpertGrain>((i + 3) % 10).ShareAsync()).Shard));
        }

        var aggregator = client.GetGrain<IAggregatorGrain>(0);
        var first = await aggregator.GetMetricsAsync();
        var direct = await DirectAsync(client, precision);
        Assert.True(first.Woken >= Experts - 20, $"the first pass woke {first.Woken} experts; {Experts - 20} had never been activated");
        AssertSame(direct, first);

        // Every expert now reports to its silo's board: nobody is asked directly, same figures.
        var second = await aggregator.GetMetricsAsync();
        Assert.Equal(0, second.Woken);
        AssertSame(direct, second);

        // All deactivated (their slots leave the boards): the next pass wakes all of them, same figures.
        foreach (var silo in Cluster.Silos)
        {
            await client.GetGrain<IManagementGrain>(0).ForceActivationCollection([silo.SiloAddress], TimeSpan.Zero);
        }

        var third = await aggregator.GetMetricsAsync();
        Assert.True(third.Woken > 0, "after every expert was deactivated, the pass woke none");
        AssertSame(direct, third);
    }

    /// <summary>Each expert asked by itself: the union of their sketches, each one's estimate and own totals.</summary>
    private static async Task<(ReachSummary Reach, long Documents, long Tokens)> DirectAsync(IClusterClient client, int precision)
    {
        var reports = await Task.WhenAll(Enumerable.Range(0, Experts).Select(i => client.GetGrain<IExpertGrain>(i).GetReportAsync()));
        var union = HyperLogLog.Empty(precision);
        foreach (var report in reports)
        {
            union = union.Union(report.Items);
        }

        return (ReachSummary.Compute([.. reports.Select(r => r.Knowledge)], union.Estimate()), reports.Sum(r => r.OwnDocuments), reports.Sum(r => r.OwnTokens));
    }

    private static void AssertSame((ReachSummary Reach, long Documents, long Tokens) direct, ClusterMetrics metrics)
    {
        Assert.Equal(Experts, metrics.Experts);
        Assert.Equal(direct.Documents, metrics.Documents);
        Assert.Equal(direct.Tokens, metrics.Tokens);
        Assert.True(direct.Reach.DistinctItems > 1_000, $"I = {direct.Reach.DistinctItems}: the test learned nothing");
        Assert.Equal(direct.Reach.DistinctItems, metrics.DistinctItems);
        Assert.Equal(direct.Reach.MeanReach, metrics.MeanReach);
        Assert.Equal(direct.Reach.MinReach, metrics.MinReach);
        Assert.Equal(direct.Reach.MedianReach, metrics.MedianReach);
        Assert.Equal(direct.Reach.StdReach, metrics.StdReach);
        Assert.Equal(direct.Reach.CollectiveIntelligence, metrics.CollectiveIntelligence);
    }

    /// <summary>Two silos, 64 experts that never exchange on their own (the test moves knowledge itself).</summary>
    public sealed class StillSilo : Orleans.TestingHost.ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = Experts;
                o.FlowRate = 0;
            });
        }
    }
}
