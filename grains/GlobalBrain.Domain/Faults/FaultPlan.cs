using GlobalBrain.Domain.Simulation;

namespace GlobalBrain.Domain.Faults;

/// <summary>What happens to the message an exchange carries on its way to the side that merges it.</summary>
public enum MessageFate
{
    /// <summary>Delivered now, as without faults.</summary>
    OnTime,

    /// <summary>Lost: never merged.</summary>
    Dropped,

    /// <summary>Delivered after a wait (the snapshot is the one taken now, so it lands stale).</summary>
    Delayed,

    /// <summary>Held back and delivered after the sender's next exchange, so a newer snapshot goes first.</summary>
    Reordered,
}

/// <summary>Probabilities of each fault, per exchange. Dropped, delayed and reordered exclude each other (their sum is at most 1).</summary>
public sealed record FaultRates(double Drop, double Duplicate, double Delay, double Reorder, double Deactivate)
{
    public static FaultRates None { get; } = new(0, 0, 0, 0, 0);

    /// <summary>True when any fault can happen.</summary>
    public bool Any => Drop > 0 || Duplicate > 0 || Delay > 0 || Reorder > 0 || Deactivate > 0;
}

/// <summary>The faults drawn for one exchange.</summary>
/// <param name="Fate">Whether its message is delivered now, dropped, delayed or held back.</param>
/// <param name="Duplicated">The message is delivered twice (never when dropped).</param>
/// <param name="DelayFraction">For a delayed message, the share in (0, 1] of the largest delay it waits.</param>
/// <param name="Deactivate">The sender deactivates after the exchange and comes back from its stored state.</param>
public readonly record struct FaultDraw(MessageFate Fate, bool Duplicated, double DelayFraction, bool Deactivate)
{
    public static FaultDraw None => default;

    public bool IsNone => this == default;
}

/// <summary>
/// Which faults hit an exchange: a pure function of (seed, expert, the expert's exchange ordinal), by
/// <see cref="CounterRandom"/>, so a seed gives every expert the same sequence of faults wherever and
/// whenever it runs. One uniform draw picks the fate (dropped with probability Drop, delayed with Delay,
/// held back with Reorder, else on time), so each rate is exactly that fate's probability; duplication
/// and deactivation are drawn independently.
/// </summary>
public static class FaultPlan
{
    private const ulong Stream = 0x6661756C7473UL; // "faults": draws independent of the topology's and the exchanges'

    public static FaultDraw Draw(FaultRates rates, ulong seed, long expert, long ordinal)
    {
        ArgumentNullException.ThrowIfNull(rates);
        if (!rates.Any)
        {
            return FaultDraw.None;
        }

        var fate = CounterRandom.Unit(CounterRandom.Next(seed, Stream, ordinal, expert, 0)) switch
        {
            var u when u < rates.Drop => MessageFate.Dropped,
            var u when u < rates.Drop + rates.Delay => MessageFate.Delayed,
            var u when u < rates.Drop + rates.Delay + rates.Reorder => MessageFate.Reordered,
            _ => MessageFate.OnTime,
        };
        var duplicated = fate != MessageFate.Dropped && CounterRandom.Unit(CounterRandom.Next(seed, Stream, ordinal, expert, 1)) < rates.Duplicate;
        var delay = fate == MessageFate.Delayed ? 1 - CounterRandom.Unit(CounterRandom.Next(seed, Stream, ordinal, expert, 2)) : 0;
        var deactivate = CounterRandom.Unit(CounterRandom.Next(seed, Stream, ordinal, expert, 3)) < rates.Deactivate;
        return new FaultDraw(fate, duplicated, delay, deactivate);
    }
}
