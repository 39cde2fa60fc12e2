using GlobalBrain.Silo.Api;
using GlobalBrain.Silo.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace GlobalBrain.Silo.Tests.Api;

/// <summary>The gate in front of ingest requests: bounded turns, a bounded queue, a bounded wait.</summary>
public sealed class RequestGateTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Turns_AreBounded_AndAReleasedTurnGoesToTheWaiter()
    {
        using var gate = Gate(turns: 2, queued: 1, wait: TimeSpan.FromSeconds(1));
        var first = await gate.TryEnterAsync(CancellationToken.None);
        var second = await gate.TryEnterAsync(CancellationToken.None);
        var waiting = gate.TryEnterAsync(CancellationToken.None).AsTask();

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.False(waiting.IsCompleted);
        Assert.Equal((2, 1), (gate.Busy, gate.Queued));

        first!.Dispose();
        first.Dispose(); // twice: released once
        var third = await waiting;

        Assert.NotNull(third);
        Assert.Equal((2, 0), (gate.Busy, gate.Queued));
        second!.Dispose();
        third!.Dispose();
        Assert.Equal(0, gate.Busy);
    }

    [Fact]
    public async Task AFullQueue_RefusesAtOnce()
    {
        using var gate = Gate(turns: 1, queued: 1, wait: TimeSpan.FromSeconds(1));
        using var held = await gate.TryEnterAsync(CancellationToken.None);
        var waiting = gate.TryEnterAsync(CancellationToken.None).AsTask();

        var refused = await gate.TryEnterAsync(CancellationToken.None);

        Assert.Null(refused);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, gate.Queued);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await waiting);
    }

    [Fact]
    public async Task AWaiter_GivesUpAfterTheQueueTimeout_AndLeavesTheQueue()
    {
        using var gate = Gate(turns: 1, queued: 4, wait: TimeSpan.FromSeconds(2));
        using var held = await gate.TryEnterAsync(CancellationToken.None);
        var waiting = gate.TryEnterAsync(CancellationToken.None).AsTask();

        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.2));

        Assert.Null(await waiting);
        Assert.Equal(0, gate.Queued);
    }

    [Fact]
    public async Task NoQueue_RefusesEveryRequestBeyondTheTurns()
    {
        using var gate = Gate(turns: 1, queued: 0, wait: TimeSpan.FromSeconds(2));
        using var held = await gate.TryEnterAsync(CancellationToken.None);

        Assert.Null(await gate.TryEnterAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AWaiterWhoseClientLeaves_IsCancelled_NotRefused()
    {
        using var gate = Gate(turns: 1, queued: 1, wait: TimeSpan.FromSeconds(2));
        using var held = await gate.TryEnterAsync(CancellationToken.None);
        using var client = new CancellationTokenSource();
        var waiting = gate.TryEnterAsync(client.Token).AsTask();

        await client.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, gate.Queued);
    }

    private RequestGate Gate(int turns, int queued, TimeSpan wait) =>
        new(Microsoft.Extensions.Options.Options.Create(new GlobalBrainApiOptions { MaxConcurrentRequests = turns, MaxQueuedRequests = queued, QueueTimeout = wait }), _time);
}
