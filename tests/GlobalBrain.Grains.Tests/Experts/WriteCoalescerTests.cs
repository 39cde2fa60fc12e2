using GlobalBrain.Grains.Experts;

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

    [Fact]
    public async Task ACallWithNothingInFlight_StartsAWriteAtOnce()
    {
        var writes = new Writes();
        var coalescer = new WriteCoalescer(writes.WriteAsync);

        var first = coalescer.WriteAsync();

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

    private static Task WaitUntil(Func<bool> condition) =>
        Poll.WaitForAsync("the next write to start", condition, TimeSpan.FromSeconds(10), TimeSpan.Zero);
}
