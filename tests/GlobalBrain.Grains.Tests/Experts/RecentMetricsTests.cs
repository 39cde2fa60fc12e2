using GlobalBrain.Grains.Hosting;

namespace GlobalBrain.Grains.Tests.Experts;

/// <summary>
/// What every silo's gauges ask the aggregator for: the last pass while it is young enough (one pass for all
/// the silos asking within an interval), a new one once it is older. A cluster of its own: it wakes experts
/// that <see cref="AggregatorTests"/> needs asleep.
/// </summary>
public sealed class RecentMetricsTests : OwnCluster<AggregatorTests.StillSilo>
{
    protected override short Silos => 2;

    [Fact]
    public async Task RecentMetrics_AreTheLastPassWhileYoungEnough_AndANewPassOnceOlder()
    {
        var client = Cluster.Client;
        var aggregator = client.GetGrain<IAggregatorGrain>(0);
        var fresh = await aggregator.GetMetricsAsync();

        // Every silo's gauges ask within the same interval: they share the last pass instead of making their own.
        var shared = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => aggregator.GetRecentMetricsAsync(TimeSpan.FromMinutes(10))));
        Assert.All(shared, m => Assert.Equal(fresh.Timestamp, m.Timestamp));

        // Knowledge learned since: a request that allows no age sees it (a new pass); one that allows ten minutes
        // may still get the pass before it — the gauges' price for sharing, bounded by the age they ask for.
        var documents = fresh.Documents;
        await client.GetGrain<IExpertGrain>(AggregatorTests.Experts - 1).LearnAsync(new KnowledgeDelta(Guid.NewGuid(), 2, 20, [1, 2, 3]));
        var after = await aggregator.GetRecentMetricsAsync(TimeSpan.Zero);
        Assert.True(after.Timestamp > fresh.Timestamp, "a request allowing no age got the old pass");
        Assert.Equal(documents + 2, after.Documents);
        Assert.Equal(after.Timestamp, (await aggregator.GetRecentMetricsAsync(TimeSpan.FromMinutes(10))).Timestamp);
    }
}
