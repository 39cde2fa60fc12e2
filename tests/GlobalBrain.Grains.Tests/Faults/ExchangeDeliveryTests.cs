using GlobalBrain.Domain.Faults;
using GlobalBrain.Grains.Faults;

namespace GlobalBrain.Grains.Tests.Faults;

public sealed class ExchangeDeliveryTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(250);

    private readonly List<FaultKind> _injected = [];
    private readonly List<long> _delivered = [];
    private readonly List<(TimeSpan Delay, Func<Task> Deliver)> _scheduled = [];
    private readonly List<(int Peer, Exception Error)> _lost = [];
    private readonly ExchangeDelivery _delivery;

    public ExchangeDeliveryTests() =>
        _delivery = new ExchangeDelivery(_injected.Add, _ => Delay, _delivered.Add, (delay, deliver) => _scheduled.Add((delay, deliver)), (peer, e) => _lost.Add((peer, e)));

    [Fact]
    public async Task NoFault_DeliversOnce_AndCountsTheBytes()
    {
        var message = Counting(out var deliveries, bytes: 100);

        await _delivery.SendAsync(message, FaultDraw.None);

        Assert.Equal(1, deliveries());
        Assert.Equal([100L], _delivered);
        Assert.Empty(_injected);
    }

    [Fact]
    public async Task Dropped_IsNeverDelivered()
    {
        var message = Counting(out var deliveries);

        await _delivery.SendAsync(message, new FaultDraw(MessageFate.Dropped, Duplicated: false, DelayFraction: 0, Deactivate: false));

        Assert.Equal(0, deliveries());
        Assert.Empty(_delivered);
        Assert.Equal([FaultKind.Drop], _injected);
        Assert.Null(_delivery.TakeHeldBack());
    }

    [Fact]
    public async Task Duplicated_IsDeliveredTwice()
    {
        var message = Counting(out var deliveries, bytes: 7);

        await _delivery.SendAsync(message, new FaultDraw(MessageFate.OnTime, Duplicated: true, DelayFraction: 0, Deactivate: false));

        Assert.Equal(2, deliveries());
        Assert.Equal([7L, 7L], _delivered);
        Assert.Equal([FaultKind.Duplicate], _injected);
    }

    [Fact]
    public async Task Delayed_IsDeliveredOnlyWhenTheScheduledTurnRuns_AsManyTimesAsDrawn()
    {
        var message = Counting(out var deliveries);

        await _delivery.SendAsync(message, new FaultDraw(MessageFate.Delayed, Duplicated: true, DelayFraction: 0.5, Deactivate: false));

        Assert.Equal(0, deliveries());
        var (delay, deliver) = Assert.Single(_scheduled);
        Assert.Equal(Delay, delay);
        await deliver();
        Assert.Equal(2, deliveries());
        Assert.Equal([FaultKind.Duplicate, FaultKind.Delay], _injected);
    }

    [Fact]
    public async Task Reordered_IsHeldBack_UntilTaken_Once()
    {
        var message = Counting(out var deliveries);

        await _delivery.SendAsync(message, new FaultDraw(MessageFate.Reordered, Duplicated: false, DelayFraction: 0, Deactivate: false));

        Assert.Equal(0, deliveries());
        var heldBack = _delivery.TakeHeldBack();
        Assert.NotNull(heldBack);
        Assert.Null(_delivery.TakeHeldBack());
        await _delivery.DeliverQuietlyAsync(heldBack);
        Assert.Equal(1, deliveries());
        Assert.Equal([FaultKind.Reorder], _injected);
    }

    [Fact]
    public async Task ReorderedAndDuplicated_HeldBackMessageDeliversTwice()
    {
        var message = Counting(out var deliveries, bytes: 10);

        await _delivery.SendAsync(message, new FaultDraw(MessageFate.Reordered, Duplicated: true, DelayFraction: 0, Deactivate: false));
        await _delivery.DeliverQuietlyAsync(_delivery.TakeHeldBack()!);

        Assert.Equal(2, deliveries());
        Assert.Equal([20L], _delivered);
    }

    [Fact]
    public async Task ALateMessageThatIsLost_IsReported_NotThrown()
    {
        var message = new ExchangeMessage(3, () => Task.FromException<long>(new TimeoutException("peer did not answer")));

        await _delivery.DeliverQuietlyAsync(message);

        var (peer, error) = Assert.Single(_lost);
        Assert.Equal(3, peer);
        Assert.IsType<TimeoutException>(error);
        Assert.Empty(_delivered);
    }

    [Fact]
    public async Task AMessageLostNow_FailsTheExchange()
    {
        var message = new ExchangeMessage(3, () => Task.FromException<long>(new TimeoutException("peer did not answer")));

        await Assert.ThrowsAsync<TimeoutException>(() => _delivery.SendAsync(message, FaultDraw.None));

        Assert.Empty(_lost);
    }

    private static ExchangeMessage Counting(out Func<int> deliveries, long bytes = 1)
    {
        var count = 0;
        deliveries = () => count;
        return new ExchangeMessage(1, () =>
        {
            count++;
            return Task.FromResult(bytes);
        });
    }
}
