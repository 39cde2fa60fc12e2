using GlobalBrain.Domain.Knowledge;

namespace GlobalBrain.Grains.Tests;

/// <summary>Expert grains: learning, push-pull exchange and the merge that makes gossip safe.</summary>
[Collection(ThreeSiloCluster.Name)]
public sealed class ExpertTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Exchange_MergesBothWays_AndIsIdempotent()
    {
        var expert = fixture.Client.GetGrain<IExpertGrain>(ClusterFixture.Experts - 1);
        var precision = (await fixture.Client.GetGrain<IAggregatorGrain>(0).GetSettingsAsync()).Precision;
        var incoming = new KnowledgeShard(precision);
        incoming.Learn(origin: 1000, documents: 3, tokens: 42, KnowledgeItems.Hash([1, 2, 3, 4, 5, 6, 7]));
        var snapshot = new ShardSnapshot(incoming.Items.Registers, [new OriginCount(1000, 3, 42)]);

        var reply = await expert.ExchangeAsync(snapshot);
        var again = await expert.ExchangeAsync(snapshot);

        // The reply holds what the caller sent (push) and is the expert's whole shard (pull).
        Assert.Contains(reply.Origins, o => o == new OriginCount(1000, 3, 42));
        var replied = KnowledgeShard.FromParts(reply.Registers, reply.Origins.Select(o => KeyValuePair.Create(o.Origin, new OriginTotals(o.Documents, o.Tokens))));
        Assert.True(replied.Clone().Merge(incoming) is false, "the reply must already contain the pushed items");
        var repeated = KnowledgeShard.FromParts(again.Registers, again.Origins.Select(o => KeyValuePair.Create(o.Origin, new OriginTotals(o.Documents, o.Tokens))));
        Assert.True(replied.ContentEquals(repeated) || repeated.Clone().Merge(replied) is false, "a repeated exchange must not lose or double anything");
        Assert.Equal(replied.TotalsOf(1000), repeated.TotalsOf(1000));
    }

    [Fact]
    public async Task Expert_OutsideZeroToN_IsRefused()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Client.GetGrain<IExpertGrain>(ClusterFixture.Experts).GetReportAsync(Guid.Empty, -1));
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }
}
