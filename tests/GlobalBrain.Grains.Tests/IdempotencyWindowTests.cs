using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Grains.Tests;

/// <summary>
/// The idempotency window of an expert lasts a time, not a count: a batch sent again after ten thousand
/// others, and again after the expert was re-activated from storage (its sealed segments of batch ids
/// read back), is counted once.
/// </summary>
public sealed class IdempotencyWindowTests : OwnCluster<IdempotencyWindowTests.QuietSilo>
{
    [Fact]
    public async Task ABatchSentAgain_AfterTenThousandOthers_AndAfterReactivation_IsCountedOnce()
    {
        var expert = Cluster.Client.GetGrain<IExpertGrain>(0);
        var first = new KnowledgeDelta(Guid.NewGuid(), Documents: 3, Tokens: 30, ItemHashes: [42UL]);
        await expert.LearnAsync(first);

        // Ten thousand other batches (about ten sealed segments of 1,024 ids), fifty at a time.
        for (var sent = 0; sent < 10_000; sent += 50)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => expert.LearnAsync(new KnowledgeDelta(Guid.NewGuid(), 1, 1, []))));
        }

        await expert.LearnAsync(first);
        var before = await expert.GetReportAsync();
        Assert.Equal(10_003, before.OwnDocuments);

        // A new activation reads the window back from storage: the open set and every sealed segment.
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await expert.LearnAsync(first);
        var after = await expert.GetReportAsync();

        Assert.NotEqual(before.Incarnation, after.Incarnation);
        Assert.Equal(10_003, after.OwnDocuments);
        Assert.Equal(10_030, after.OwnTokens);
    }

    public sealed class QuietSilo : Orleans.TestingHost.ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain();

            // No exchanges (no timer keeps the expert alive), so that it can be collected and re-activated.
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = 1;
                o.FlowRate = 0;
            });
        }
    }
}
