namespace GlobalBrain.Testing.Tests;

public sealed class PollTests
{
    [Fact]
    public async Task WaitFor_PastTheDeadline_SaysWhatItWaitedFor_HowLong_AndWhatItSaw()
    {
        var looks = 0;

        var e = await Assert.ThrowsAsync<TimeoutException>(() => Poll.WaitForAsync(
            "the gauge to show",
            () => ++looks < 0,
            TimeSpan.FromMilliseconds(200),
            TimeSpan.FromMilliseconds(20),
            () => $"last scrape after {looks} looks"));

        Assert.StartsWith("timed out after 0.2 s waiting for the gauge to show:\nlast scrape after ", e.Message, StringComparison.Ordinal);
        Assert.True(looks > 1, $"looked {looks} times");
    }

    [Fact]
    public async Task WaitFor_ReturnsAsSoonAsTheConditionHolds()
    {
        var looks = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Poll.WaitForAsync("the third look", () => ++looks == 3, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10));

        Assert.Equal(3, looks);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Until_PastTheDeadline_ReturnsTheLastValueSeen()
    {
        var looks = 0;

        var last = await Poll.UntilAsync(() => Task.FromResult(++looks), n => n < 0, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(10));

        Assert.Equal(looks, last);
        Assert.True(last > 1);
    }

    [Fact]
    public async Task Until_WithZeroTimeout_LooksOnce()
    {
        var looks = 0;

        var held = await Poll.UntilAsync(() => ++looks < 0, TimeSpan.Zero, TimeSpan.FromSeconds(10));

        Assert.False(held);
        Assert.Equal(1, looks);
    }

    [Fact]
    public async Task Until_WithZeroInterval_LetsOtherWorkRun()
    {
        var other = Task.Run(async () => await Task.Delay(50));

        Assert.True(await Poll.UntilAsync(() => other.IsCompleted, TimeSpan.FromSeconds(30), TimeSpan.Zero));
    }

    [Fact]
    public async Task AProbeThatThrows_EndsTheWait_WithItsException()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Poll.WaitForAsync(
            "a server that exited",
            () => Task.FromException<bool>(new InvalidOperationException("the server exited with code 1")),
            TimeSpan.FromMinutes(1),
            TimeSpan.FromMilliseconds(10)));

        Assert.Equal("the server exited with code 1", e.Message);
    }
}
