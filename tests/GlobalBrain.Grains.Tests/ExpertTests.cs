using GlobalBrain.Domain.Knowledge;

namespace GlobalBrain.Grains.Tests;

/// <summary>Expert grains: learning, push-pull exchange and the merge that makes gossip safe.</summary>
[Collection(ThreeSiloCluster.Name)]
public sealed class ExpertTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Exchange_MergesWhatTheCallerSent_RepliesWithWhatItLacks_AndIsIdempotent()
    {
        // Through the client: the shards cross the wire in their sparse form and come back checked.
        // The experts gossip meanwhile (v = 10), so what an expert holds may only grow between two looks.
        var expert = fixture.Client.GetGrain<IExpertGrain>(ClusterFixture.Experts - 1);
        var precision = (await fixture.Client.GetGrain<IAggregatorGrain>(0).GetSettingsAsync()).Precision;
        var incoming = KnowledgeShard.Empty(precision).Learn(origin: 1000, documents: 3, tokens: 42, KnowledgeItems.Hash([1, 2, 3, 4, 5, 6, 7]));
        Assert.True(incoming.Items.IsSparse);
        var before = (await expert.ShareAsync()).Shard;

        var reply = (await expert.ExchangeAsync(new ShardSnapshot(incoming))).Shard;
        var again = (await expert.ExchangeAsync(new ShardSnapshot(incoming))).Shard;
        var after = (await expert.ShareAsync()).Shard;

        // The expert holds what the caller sent, counted once however often it was sent.
        Assert.Same(after, after.Merge(incoming));
        Assert.Equal(new OriginTotals(3, 42), after.TotalsOf(1000));

        // The reply is what the caller lacked: with it the caller knows at least what the expert knew before.
        var caller = incoming.Merge(reply);
        Assert.Same(caller, caller.Merge(before));
        Assert.Same(after, after.Merge(caller));
        Assert.True(reply.TotalsOf(1000) == default, "the reply repeats what the caller sent");
        // Sent again, it changes nothing and comes back in no reply; the reply may carry more than the first
        // did only by what the expert learned from its peers in between (a size comparison raced with that).
        Assert.True(again.TotalsOf(1000) == default, "the second reply repeats what the caller sent");
        Assert.Same(after, after.Merge(again));
    }

    [Fact]
    public async Task ExpertReference_IsTheGrainGetGrainNames()
    {
        foreach (var i in new[] { 0, 1, ClusterFixture.Experts - 1 })
        {
            var resolved = fixture.Client.GetGrain<IExpertGrain>(i);
            var direct = fixture.Client.Expert(i);
            Assert.Equal(resolved.GetGrainId(), direct.GetGrainId());
            Assert.Equal(resolved, direct);
            Assert.Equal(i, (await direct.GetReportAsync()).Expert);
        }
    }

    [Fact]
    public async Task Offer_AnswersNothingForTheSameDigest_AndTheShardOtherwise()
    {
        var expert = fixture.Client.GetGrain<IExpertGrain>(ClusterFixture.Experts - 2);
        var precision = (await fixture.Client.GetGrain<IAggregatorGrain>(0).GetSettingsAsync()).Precision;
        var stranger = KnowledgeShard.Empty(precision).Learn(origin: 1001, documents: 1, tokens: 7, KnowledgeItems.Hash([9, 8, 7, 6, 5]));

        var offered = await expert.OfferAsync(stranger.Digest);
        Assert.NotNull(offered);

        // Equal digests mean equal shards; the expert may have learned more since (v = 10): then it answers with that.
        var again = await expert.OfferAsync(offered.Shard.Digest);
        Assert.True(again is null || !again.Shard.ContentEquals(offered.Shard), "an offer with the expert's own digest carried the same shard back");
        if (again is not null)
        {
            Assert.Same(again.Shard, again.Shard.Merge(offered.Shard));
        }
    }

    [Fact]
    public async Task Expert_OutsideZeroToN_IsRefused()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Client.GetGrain<IExpertGrain>(ClusterFixture.Experts).GetReportAsync());
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }
}
