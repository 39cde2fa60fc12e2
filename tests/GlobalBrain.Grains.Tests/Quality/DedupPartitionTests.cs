using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Quality;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Grains.Tests.Quality;

/// <summary>
/// One partition of the duplicate memory: the first claimant of a key keeps it, a later one is a duplicate, the
/// same one again is a retry; what it answered survives its re-activation from grain storage, after many
/// segment merges.
/// </summary>
public sealed class DedupPartitionTests : OwnCluster<DedupPartitionTests.QuietSilo>
{
    [Fact]
    public async Task FirstClaimantWins_ALaterOneIsADuplicate_TheSameOneAgainIsNot()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.NearKey(3));

        var first = await partition.ClaimAsync(new DedupClaims([10, 20, 10], [1, 1, 2]));
        var again = await partition.ClaimAsync(new DedupClaims([10, 20], [1, 1]));
        var other = await partition.ClaimAsync(new DedupClaims([20, 30], [3, 3]));

        Assert.Equal([false, false, true], first);
        Assert.Equal([false, false], again);
        Assert.Equal([true, false], other);
        Assert.Equal(3, await partition.CountAsync());
    }

    [Fact]
    public async Task ExactKeys_AreCompared_On128Bits()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.ExactKey(0));

        var answers = await partition.ClaimAsync(new DedupClaims([64, 1, 64, 2, 64, 1], [1, 2, 3]));

        Assert.Equal([false, false, true], answers);
        await Assert.ThrowsAsync<ArgumentException>(() => partition.ClaimAsync(new DedupClaims([64], [1])));
    }

    [Fact]
    public async Task WhatWasAnswered_SurvivesReactivation_AfterManySegmentMerges()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.ExactKey(7));

        // 300 calls that each add keys: each writes a segment, merged like a binary counter.
        for (var call = 0UL; call < 300; call++)
        {
            var keys = Enumerable.Range(0, 5).SelectMany(i => new[] { (call * 10) + (ulong)i, 7UL }).ToArray();
            Assert.All(await partition.ClaimAsync(new DedupClaims(keys, [.. Enumerable.Repeat(call, 5)])), Assert.False);
        }

        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(1500, await partition.CountAsync());
        var later = await partition.ClaimAsync(new DedupClaims([0, 7, 2990, 7, 2995, 7, 4, 7], [999, 299, 999, 0]));
        Assert.Equal([true, false, false, false], later);
        Assert.Equal(1501, await partition.CountAsync());
    }

    public sealed class QuietSilo : Orleans.TestingHost.ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = 1;
                o.FlowRate = 0;
            });
        }
    }
}
