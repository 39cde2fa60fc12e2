using GlobalBrain.Grains.Experts;
using Microsoft.Extensions.Time.Testing;

namespace GlobalBrain.Grains.Tests.Experts;

public sealed class WriteCoalescerTests
{
    /// <summary>A write function whose writes the test finishes one by one.</summary>
    private sealed class Writes
    {
        public List<TaskCompletionSource> Started { get; } = [];

        public int Running { get; private set; }

        public int MostAtOnce { get; private set; }

        public async Task WriteAsync()
        {
            var write = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Started.Add(write);
            Running++;
            MostAtOnce = Math.Max(MostAtOnce, Running);
            try
            {
                await write.Task;
            }
            finally
            {
                Running--;
            }
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1000, false)] // a call that expects no others, whatever the group-commit time
    [InlineData(0, true)] // no group-commit time: nothing waits
    public async Task ACallWithNothingInFlight_StartsAWriteAtOnce_UnlessItLingersForAGroupCommit(int groupCommitMs, bool linger)
    {
        var writes = new Writes();
        var coalescer = new WriteCoalescer(writes.WriteAsync, TimeSpan.FromMilliseconds(groupCommitMs), new FakeTimeProvider());

        var first = coalescer.WriteAsync(linger);

        Assert.Single(writes.Started);
        Assert.False(first.IsCompleted);
        writes.Started[0].SetResult();
        await first;
    }

    [Fact]
    public async Task CallsWhileAWriteRuns_ShareOneWrite_ThatStartsAfterIt()
    {
        var writes = new Writes();
        var coalescer = new WriteCoalescer(writes.WriteAsync);
        var first = coalescer.WriteAsync();

        var second = coalescer.WriteAsync();
        var third = coalescer.WriteAsync();

        Assert.Same(second, third);
        Assert.Single(writes.Started);
        writes.Started[0].SetResult();
        await first;
        await WaitUntil(() => writes.Started.Count == 2);
        Assert.False(second.IsCompleted);
        writes.Started[1].SetResult();
        await second;
        Assert.Equal(2, writes.Started.Count);
        Assert.Equal(1, writes.MostAtOnce);
    }

    [Fact]
    public async Task ACallAfterTheWaitingWriteStarted_GetsANewWrite()
    {
        var writes = new Writes();
        var coalescer = new WriteCoalescer(writes.WriteAsync);
        var first = coalescer.WriteAsync();
        var second = coalescer.WriteAsync();
        writes.Started[0].SetResult();
        await first;
        await WaitUntil(() => writes.Started.Count == 2);

        var third = coalescer.WriteAsync();

        Assert.NotSame(second, third);
        writes.Started[1].SetResult();
        await second;
        await WaitUntil(() => writes.Started.Count == 3);
        writes.Started[2].SetResult();
        await third;
        Assert.Equal(1, writes.MostAtOnce);
    }

    [Fact]
    public async Task AFailedWrite_FailsItsOwnCallers_AndTheNextWriteRunsAnyway()
    {
        var writes = new Writes();
        var coalescer = new WriteCoalescer(writes.WriteAsync);
        var first = coalescer.WriteAsync();
        var second = coalescer.WriteAsync();

        writes.Started[0].SetException(new TimeoutException("storage did not answer"));

        await Assert.ThrowsAsync<TimeoutException>(() => first);
        await WaitUntil(() => writes.Started.Count == 2);
        writes.Started[1].SetResult();
        await second;
    }

    [Fact]
    public async Task AWriteAskedToLinger_WaitsTheGroupCommitTime_AndTheCallsMeanwhileShareIt()
    {
        var writes = new Writes();
        var time = new FakeTimeProvider();
        var coalescer = new WriteCoalescer(writes.WriteAsync, TimeSpan.FromMilliseconds(10), time);

        var first = coalescer.WriteAsync(linger: true);
        var second = coalescer.WriteAsync(linger: true);
        var third = coalescer.WriteAsync();

        Assert.Same(first, second);
        Assert.Same(first, third);
        time.Advance(TimeSpan.FromMilliseconds(9));
        Assert.Empty(writes.Started);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await WaitUntil(() => writes.Started.Count == 1);
        writes.Started[0].SetResult();
        await first;
        Assert.Single(writes.Started);
    }

    [Fact]
    public async Task ALingeringWrite_StartsItsWaitOnlyOnceTheWriteBeforeItIsDone()
    {
        var writes = new Writes();
        var time = new FakeTimeProvider();
        var coalescer = new WriteCoalescer(writes.WriteAsync, TimeSpan.FromMilliseconds(10), time);
        var first = coalescer.WriteAsync();
        var second = coalescer.WriteAsync(linger: true);

        // Time passing while the first write runs does not count: callers arriving while either lasts share the second.
        time.Advance(TimeSpan.FromSeconds(1));
        writes.Started[0].SetResult();
        await first;
        await Task.Delay(TimeSpan.FromMilliseconds(50));
        Assert.Single(writes.Started);
        Assert.Same(second, coalescer.WriteAsync());

        await Poll.WaitForAsync("the lingering write to start", () =>
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            return writes.Started.Count == 2;
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1));
        writes.Started[1].SetResult();
        await second;
        Assert.Equal(1, writes.MostAtOnce);
    }

    private static Task WaitUntil(Func<bool> condition) =>
        Poll.WaitForAsync("the next write to start", condition, TimeSpan.FromSeconds(10), TimeSpan.Zero);
}
