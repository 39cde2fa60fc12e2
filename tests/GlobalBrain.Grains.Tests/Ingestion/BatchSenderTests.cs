using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.Time.Testing;

namespace GlobalBrain.Grains.Tests.Ingestion;

public sealed class BatchSenderTests
{
    private static readonly IngestBatch Batch = new(Guid.NewGuid(), TokenizerSpec.Default, [new DocumentInput("d1", "some text"), new DocumentInput("d2", "more text")]);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ABatchAFrontFailed_GoesToAnotherFrontAfterBackoff_AndCountsOneRetry()
    {
        var a = new FakeFront("a") { FailFirst = 1 };
        var b = new FakeFront("b");
        var sender = new BatchSender(await ConnectedAsync(a, b), Retry(TimeSpan.FromSeconds(10)));

        var sending = sender.SendAsync(Batch, CancellationToken.None);
        Assert.False(sending.IsCompleted, "the second attempt went out before the backoff");
        var (result, retries) = await _time.AdvanceUntilDoneAsync(sending);

        Assert.Equal("b", result?.EncodedOnSilo);
        Assert.Equal(2, result?.Accepted);
        Assert.Equal(1, retries);
        Assert.Equal((1, 1), (a.Calls, b.Calls));
    }

    [Fact]
    public async Task ABatchNoFrontTakesWithinTheBudget_IsNotTaken_AfterRetriesUntilTheBudgetIsSpent()
    {
        var a = new FakeFront("a") { FailFirst = int.MaxValue };
        var sender = new BatchSender(await ConnectedAsync(a), Retry(TimeSpan.FromSeconds(10)));
        var started = _time.GetUtcNow();

        var (result, retries) = await _time.AdvanceUntilDoneAsync(sender.SendAsync(Batch, CancellationToken.None));

        // Waits of 0.2, 0.4, 0.8, 1, 1 … s (jitter fixed at ×1): 11 retries when the clock is moved on the
        // moment each wait ends, fewer when a retry runs late (the fake clock moves in steps).
        Assert.Null(result);
        Assert.InRange(retries, 5, 11);
        Assert.Equal(retries + 1, a.Calls);
        Assert.InRange(_time.GetUtcNow() - started, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(11));
    }

    [Fact]
    public async Task ARefusedBatch_IsNotRetried()
    {
        var sender = new BatchSender(await ConnectedAsync(new RefusingFront()), Retry(TimeSpan.FromSeconds(10)));

        await Assert.ThrowsAsync<ArgumentException>(() => sender.SendAsync(Batch, CancellationToken.None));
    }

    private ClusterRetry Retry(TimeSpan budget) =>
        new(budget, _time, () => 0.5) { FirstDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) };

    private static async Task<IngestFronts> ConnectedAsync(params IIngestGrain[] members)
    {
        var fronts = new IngestFronts(() => Task.FromResult<IReadOnlyList<IngestFront>>(
            [.. members.Select((m, i) => new IngestFront(m, new IngestFrontInfo(m is FakeFront f ? f.Silo : $"silo-{i}", 1)))]));
        await fronts.ConnectAsync(new ClusterRetry(TimeSpan.Zero), CancellationToken.None);
        return fronts;
    }

    private sealed class RefusingFront : IIngestGrain
    {
        public Task<IngestBatchResult> IngestAsync(IngestBatch batch) => throw new ArgumentException("injected: the tokenizer spec is not known here");

        public Task<ScreenedBatch> ScreenAsync(IngestBatch batch) => throw new ArgumentException("injected: the tokenizer spec is not known here");

        public Task<IngestFrontInfo> GetInfoAsync() => Task.FromResult(new IngestFrontInfo("refusing", 1));
    }
}
