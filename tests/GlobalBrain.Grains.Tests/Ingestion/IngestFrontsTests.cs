using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;

namespace GlobalBrain.Grains.Tests.Ingestion;

public sealed class IngestFrontsTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Acquire_GoesToTheLeastLoadedFrontPerCore()
    {
        var fronts = await ConnectedAsync(new FakeFront("a", cores: 1), new FakeFront("b", cores: 4));

        var taken = Enumerable.Range(0, 3).Select(_ => fronts.Acquire().Info.Silo).ToList();

        Assert.Equal(["b", "b", "b"], taken);
    }

    [Fact]
    public async Task Acquire_TiesGoRound()
    {
        var fronts = await ConnectedAsync(new FakeFront("a"), new FakeFront("b"));

        var taken = Enumerable.Range(0, 4).Select(_ =>
        {
            var front = fronts.Acquire();
            fronts.Release(front);
            return front.Info.Silo;
        }).ToList();

        Assert.Equal(["a", "b", "a", "b"], taken);
    }

    [Fact]
    public async Task Acquire_AvoidsTheFrontThatFailed_UnlessItIsTheOnlyOne()
    {
        var two = await ConnectedAsync(new FakeFront("a"), new FakeFront("b"));
        var failed = two.Acquire();
        two.Release(failed);
        Assert.All(Enumerable.Range(0, 4), _ =>
        {
            var front = two.Acquire(avoid: failed);
            two.Release(front);
            Assert.NotSame(failed, front);
        });

        var one = await ConnectedAsync(new FakeFront("a"));
        var only = one.Acquire();
        one.Release(only);
        Assert.Same(only, one.Acquire(avoid: only));
    }

    [Fact]
    public async Task Capacity_IsBatchesPerCore_AtLeastOnePerFront()
    {
        var fronts = await ConnectedAsync(new FakeFront("a", cores: 4), new FakeFront("b", cores: 0));

        Assert.Equal(9, fronts.Capacity(batchesPerCore: 2));
    }

    [Fact]
    public async Task Connect_WithNoActiveSilo_SaysSo()
    {
        var fronts = new IngestFronts(() => Task.FromResult<IReadOnlyList<IngestFront>>([]));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => fronts.ConnectAsync(Retry(), CancellationToken.None));

        Assert.Equal("The cluster has no active silo to ingest on.", e.Message);
    }

    [Fact]
    public async Task Connect_RetriesAMembershipThatDoesNotAnswer_AndOnceConnectedLooksNoMore()
    {
        var looks = 0;
        var fronts = new IngestFronts(() => ++looks == 1
            ? Task.FromException<IReadOnlyList<IngestFront>>(new SiloUnavailableException("injected"))
            : Task.FromResult<IReadOnlyList<IngestFront>>([new FakeFront("a").Front()]));

        await _time.AdvanceUntilDoneAsync(Done(fronts.ConnectAsync(Retry(), CancellationToken.None)));
        await fronts.ConnectAsync(Retry(), CancellationToken.None);

        Assert.Equal(2, looks);
        Assert.Equal(["a"], fronts.Infos.Select(i => i.Silo));
    }

    [Fact]
    public async Task Rediscovery_AddsSilosThatJoined_AndKeepsTheLoadOfThoseThatStay()
    {
        var a = new FakeFront("a");
        var b = new FakeFront("b");
        IReadOnlyList<IngestFront> members = [a.Front()];
        var fronts = new IngestFronts(() => Task.FromResult(members));
        await fronts.ConnectAsync(Retry(), CancellationToken.None);
        var busy = fronts.Acquire();

        members = [a.Front(), b.Front()];
        fronts.RediscoverInBackground();
        await FakeClock.UntilAsync(() => fronts.Infos.Count == 2, "the rediscovery");

        Assert.Equal("b", fronts.Acquire().Info.Silo);
        fronts.Release(busy);
    }

    [Fact]
    public async Task Watch_LooksAtMembershipOnItsClock_UntilCancelled()
    {
        var looks = 0;
        var fronts = new IngestFronts(() =>
        {
            Interlocked.Increment(ref looks);
            return Task.FromResult<IReadOnlyList<IngestFront>>([new FakeFront("a").Front()]);
        });
        using var stop = new CancellationTokenSource();
        var watching = fronts.WatchAsync(TimeSpan.FromSeconds(5), _time, stop.Token);

        _time.Advance(TimeSpan.FromSeconds(5));
        await FakeClock.UntilAsync(() => Volatile.Read(ref looks) == 1, "a look at membership");
        await stop.CancelAsync();
        await watching;
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(1, Volatile.Read(ref looks));
    }

    private ClusterRetry Retry() => new(TimeSpan.FromSeconds(10), _time, () => 0.5);

    private static async Task<bool> Done(Task task)
    {
        await task;
        return true;
    }

    private async Task<IngestFronts> ConnectedAsync(params FakeFront[] members)
    {
        var fronts = new IngestFronts(() => Task.FromResult<IReadOnlyList<IngestFront>>([.. members.Select(m => m.Front())]));
        await fronts.ConnectAsync(Retry(), CancellationToken.None);
        return fronts;
    }
}
