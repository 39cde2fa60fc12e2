using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Quality;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GlobalBrain.Grains.Tests.Quality;

/// <summary>
/// One partition of the duplicate memory: the first claimant of a key holds it, tentatively until it confirms; a
/// later one is a duplicate once the key is confirmed (or at once within the same run), and is kept waiting — never
/// told "duplicate" — while another run's claim is tentative; a released claim or one whose lease ran out goes to the
/// next claimant; the same claimant again is a retry. What was confirmed survives its re-activation from grain
/// storage, after many segment merges; tentative claims do not.
/// </summary>
public sealed class DedupPartitionTests : OwnCluster<DedupPartitionTests.QuietSilo>
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    // The partitions' lease clock (the silos run in this process); each test's cluster starts it anew.
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task FirstClaimantWins_ALaterOneIsADuplicate_TheSameOneAgainIsNot()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.NearKey(3));

        var first = await partition.ClaimAsync(new DedupClaims([10, 20, 10], [1, 1, 2], Run: 100));
        var again = await partition.ClaimAsync(new DedupClaims([10, 20], [1, 1], Run: 100));
        await partition.ConfirmAsync(new DedupClaims([10, 20], [1, 1], Run: 100));
        var other = await partition.ClaimAsync(new DedupClaims([20, 30], [3, 3], Run: 200));

        // Within a run, the first in input order wins at once; across runs, once the holder confirmed.
        Assert.Equal([DedupAnswer.Claimed, DedupAnswer.Claimed, DedupAnswer.Duplicate], first);
        Assert.Equal([DedupAnswer.Claimed, DedupAnswer.Claimed], again);
        Assert.Equal([DedupAnswer.Duplicate, DedupAnswer.Claimed], other);
        Assert.Equal(3, await partition.CountAsync());
    }

    [Fact]
    public async Task ExactKeys_AreCompared_On128Bits()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.ExactKey(0));

        var answers = await partition.ClaimAsync(new DedupClaims([64, 1, 64, 2, 64, 1], [1, 2, 3], Run: 100));

        Assert.Equal([DedupAnswer.Claimed, DedupAnswer.Claimed, DedupAnswer.Duplicate], answers);
        await Assert.ThrowsAsync<ArgumentException>(() => partition.ClaimAsync(new DedupClaims([64], [1])));
        await Assert.ThrowsAsync<ArgumentException>(() => partition.ConfirmAsync(new DedupClaims([64], [1])));
    }

    [Fact]
    public async Task AnotherRunsTentativeClaim_IsNoDuplicateYet_ItIsOnceConfirmed()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.NearKey(5));
        Assert.Equal([DedupAnswer.Claimed], await partition.ClaimAsync(new DedupClaims([42], [1], Run: 500)));

        // A run that outranks the holder (a lower run id) waits; one the holder outranks yields.
        Assert.Equal([DedupAnswer.Wait], await partition.ClaimAsync(new DedupClaims([42], [2], Run: 100)));
        Assert.Equal([DedupAnswer.Yield], await partition.ClaimAsync(new DedupClaims([42], [3], Run: 900)));

        await partition.ConfirmAsync(new DedupClaims([42], [1], Run: 500));
        await partition.ConfirmAsync(new DedupClaims([42], [1], Run: 500));

        Assert.Equal([DedupAnswer.Duplicate], await partition.ClaimAsync(new DedupClaims([42], [2], Run: 100)));
        Assert.Equal([DedupAnswer.Duplicate], await partition.ClaimAsync(new DedupClaims([42], [3], Run: 900)));
        Assert.Equal([DedupAnswer.Claimed], await partition.ClaimAsync(new DedupClaims([42], [1], Run: 500)));

        // Releasing a confirmed claim changes nothing: the document was learned.
        await partition.ReleaseAsync(new DedupClaims([42], [1], Run: 500));
        Assert.Equal([DedupAnswer.Duplicate], await partition.ClaimAsync(new DedupClaims([42], [2], Run: 100)));
    }

    [Fact]
    public async Task AReleasedClaim_GoesToTheNextClaimant()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.ExactKey(9));
        Assert.Equal([DedupAnswer.Claimed, DedupAnswer.Claimed], await partition.ClaimAsync(new DedupClaims([7, 0, 8, 0], [1, 2], Run: 500)));

        // Only the claimant's own claim is released, and releasing twice is the same as once.
        await partition.ReleaseAsync(new DedupClaims([7, 0, 8, 0], [1, 99], Run: 500));
        await partition.ReleaseAsync(new DedupClaims([7, 0], [1], Run: 500));

        Assert.Equal([DedupAnswer.Claimed, DedupAnswer.Yield], await partition.ClaimAsync(new DedupClaims([7, 0, 8, 0], [3, 4], Run: 900)));
        await partition.ConfirmAsync(new DedupClaims([7, 0], [3], Run: 900));
        Assert.Equal([DedupAnswer.Duplicate], await partition.ClaimAsync(new DedupClaims([7, 0], [1], Run: 500)));
    }

    [Fact]
    public async Task AClaimantThatNeverSettles_LosesTheKeyWhenItsLeaseRunsOut_ToTheNextClaimant()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.NearKey(6));
        Assert.Equal([DedupAnswer.Claimed], await partition.ClaimAsync(new DedupClaims([61], [1], Run: 500)));

        Clock.Advance(Lease - TimeSpan.FromSeconds(1));
        Assert.Equal([DedupAnswer.Yield], await partition.ClaimAsync(new DedupClaims([61], [2], Run: 900)));
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([DedupAnswer.Claimed], await partition.ClaimAsync(new DedupClaims([61], [2], Run: 900)));

        // The first claimant comes back too late: its confirmation leaves the key to the one that holds it now.
        await partition.ConfirmAsync(new DedupClaims([61], [1], Run: 500));
        Assert.Equal([DedupAnswer.Wait], await partition.ClaimAsync(new DedupClaims([61], [1], Run: 500)));
        await partition.ConfirmAsync(new DedupClaims([61], [2], Run: 900));
        Assert.Equal([DedupAnswer.Duplicate], await partition.ClaimAsync(new DedupClaims([61], [1], Run: 500)));
        Assert.Equal(1, await partition.CountAsync());
    }

    [Fact]
    public async Task ARetry_RenewsItsLease()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.NearKey(7));
        await partition.ClaimAsync(new DedupClaims([71], [1], Run: 500));

        Clock.Advance(Lease - TimeSpan.FromSeconds(1));
        Assert.Equal([DedupAnswer.Claimed], await partition.ClaimAsync(new DedupClaims([71], [1], Run: 500)));
        Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal([DedupAnswer.Yield], await partition.ClaimAsync(new DedupClaims([71], [2], Run: 900)));
    }

    [Fact]
    public async Task WhatWasConfirmed_SurvivesReactivation_AfterManySegmentMerges_WhatWasTentativeDoesNot()
    {
        var partition = Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.ExactKey(7));

        // 300 confirmations that each add keys: each writes a segment, merged like a binary counter.
        for (var call = 0UL; call < 300; call++)
        {
            var keys = Enumerable.Range(0, 5).SelectMany(i => new[] { (call * 10) + (ulong)i, 7UL }).ToArray();
            var claims = new DedupClaims(keys, [.. Enumerable.Repeat(call, 5)], Run: call);
            Assert.All(await partition.ClaimAsync(claims), a => Assert.Equal(DedupAnswer.Claimed, a));
            await partition.ConfirmAsync(claims);
        }

        // One claim left tentative: forgotten with the activation.
        Assert.Equal([DedupAnswer.Claimed], await partition.ClaimAsync(new DedupClaims([5000, 7], [777], Run: 777)));
        Assert.Equal(1501, await partition.CountAsync());
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(1500, await partition.CountAsync());
        var later = await partition.ClaimAsync(new DedupClaims([0, 7, 2990, 7, 2995, 7, 4, 7, 5000, 7], [999, 299, 999, 0, 998], Run: 999));
        Assert.Equal([DedupAnswer.Duplicate, DedupAnswer.Claimed, DedupAnswer.Claimed, DedupAnswer.Claimed, DedupAnswer.Claimed], later);
        Assert.Equal(1502, await partition.CountAsync());
    }

    public sealed class QuietSilo : Orleans.TestingHost.ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddKeyedSingleton<TimeProvider>(DedupPartitionGrain.LeaseClock, Clock);
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = 1;
                o.FlowRate = 0;
            });
            siloBuilder.Services.Configure<QualitySettings>(o => o.ClaimLease = Lease);
        }
    }
}
