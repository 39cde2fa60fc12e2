using GlobalBrain.Domain.Faults;

namespace GlobalBrain.Grains.Faults;

/// <summary>An exchange's message to <see cref="Peer"/>: delivering it merges a snapshot on one side and returns the bytes carried.</summary>
internal sealed record ExchangeMessage(int Peer, Func<Task<long>> DeliverAsync)
{
    public ExchangeMessage Twice() => new(Peer, async () => await DeliverAsync() + await DeliverAsync());
}

/// <summary>
/// Delivers an expert's exchange messages as their fault draw says (<see cref="ExchangeFaults"/>): now,
/// never, after a delay, or held back until the next exchange has gone; once or twice. Each fault
/// applied is reported to <paramref name="injected"/>, the bytes of each delivery to <paramref name="delivered"/>.
/// </summary>
/// <param name="delayOf">How long a delayed message waits.</param>
/// <param name="schedule">Runs a delivery after a delay while the expert goes on (a one-shot grain timer); lost if the expert deactivates first.</param>
/// <param name="lost">A late message that failed: lost, as any message may be.</param>
/// <remarks>Not thread-safe: a grain calls it from its own turns only.</remarks>
internal sealed class ExchangeDelivery(
    Action<FaultKind> injected,
    Func<FaultDraw, TimeSpan> delayOf,
    Action<long> delivered,
    Action<TimeSpan, Func<Task>> schedule,
    Action<int, Exception> lost)
{
    private ExchangeMessage? _heldBack;

    /// <summary>Whether an exchange that failed this way is simply lost (gossip tolerates it: the next one tries another peer).</summary>
    public static bool IsLost(Exception e) => e is TimeoutException or OrleansException or InvalidOperationException;

    /// <summary>The message held back by the last exchange, if any; the caller delivers it after the current exchange's.</summary>
    public ExchangeMessage? TakeHeldBack()
    {
        var heldBack = _heldBack;
        _heldBack = null;
        return heldBack;
    }

    /// <summary>Delivers the message now, or as the fault says: never, later, or after the next exchange; once or twice.</summary>
    public async Task SendAsync(ExchangeMessage message, FaultDraw fault)
    {
        ArgumentNullException.ThrowIfNull(message);
        var copies = fault.Duplicated ? 2 : 1;
        if (fault.Duplicated)
        {
            injected(FaultKind.Duplicate);
        }

        switch (fault.Fate)
        {
            case MessageFate.Dropped:
                injected(FaultKind.Drop);
                return;
            case MessageFate.Delayed:
                injected(FaultKind.Delay);
                schedule(delayOf(fault), async () =>
                {
                    for (var i = 0; i < copies; i++)
                    {
                        await DeliverQuietlyAsync(message);
                    }
                });
                return;
            case MessageFate.Reordered:
                injected(FaultKind.Reorder);
                _heldBack = copies == 1 ? message : message.Twice();
                return;
            default:
                for (var i = 0; i < copies; i++)
                {
                    await DeliverAsync(message);
                }

                return;
        }
    }

    /// <summary>A late message that fails is lost, as any message may be: the next exchanges carry the same knowledge.</summary>
    public async Task DeliverQuietlyAsync(ExchangeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await DeliverAsync(message);
        }
        catch (Exception e) when (IsLost(e))
        {
            lost(message.Peer, e);
        }
    }

    private async Task DeliverAsync(ExchangeMessage message) => delivered(await message.DeliverAsync());
}
