using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// What the experts active on this silo know, as they last reported it: each activation holds a
/// <see cref="Slot"/> and writes its shard (a reference: shards are immutable and shared) and counters
/// into it after every change, so the silo's partial aggregator reads N experts without a single call.
/// </summary>
/// <remarks>
/// Thread-safe without a lock: experts write their own slots from their own turns, join and leave with one
/// atomic exchange each, and readers see each field atomically. (A lock here, taken by every activation and held
/// by each snapshot's copy of N references, convoyed while three silo processes of 10^6 experts activated on two
/// cores: dotnet-stack showed 38 of a silo's 63 threads blocked on it, and the thread pool kept adding threads.)
/// </remarks>
public sealed class SiloKnowledgeBoard(IOptions<ExpertsOptions> experts, TimeProvider time)
{
    private Slot?[]? _slots;
    private int _active;
    private long _lastLearnedTicks = long.MinValue;
    private long _exchanges;

    /// <summary>Exchanges started by experts on this silo since it started.</summary>
    public long Exchanges => Interlocked.Read(ref _exchanges);

    /// <summary>When a batch was last learned and stored on this silo; null before any.</summary>
    public DateTimeOffset? LastLearned
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastLearnedTicks);
            return ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Experts active on this silo.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>An activation of expert <paramref name="expert"/> starts reporting here.</summary>
    public Slot Join(int expert)
    {
        var slot = new Slot(expert);
        if (Interlocked.Exchange(ref Slots[expert], slot) is null)
        {
            Interlocked.Increment(ref _active);
        }

        return slot;
    }

    /// <summary>The activation ends; its slot is removed unless a newer activation took its place.</summary>
    public void Leave(Slot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (Interlocked.CompareExchange(ref Slots[slot.Expert], null, slot) == slot)
        {
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>One place per expert, 0..N-1 (made at the first join).</summary>
    private Slot?[] Slots
    {
        get
        {
            if (Volatile.Read(ref _slots) is { } slots)
            {
                return slots;
            }

            Interlocked.CompareExchange(ref _slots, new Slot?[experts.Value.Count], null);
            return _slots!;
        }
    }

    /// <summary>A batch was learned and stored now.</summary>
    public void Learned()
    {
        var now = time.GetUtcNow().UtcTicks;
        long seen;
        while ((seen = Interlocked.Read(ref _lastLearnedTicks)) < now && Interlocked.CompareExchange(ref _lastLearnedTicks, now, seen) != seen)
        {
        }
    }

    /// <summary>An expert on this silo started an exchange.</summary>
    public void ExchangeStarted() => Interlocked.Increment(ref _exchanges);

    /// <summary>The slots as they are now, in expert order (a copy of the references).</summary>
    public Slot[] Snapshot()
    {
        if (Volatile.Read(ref _slots) is not { } slots)
        {
            return [];
        }

        var taken = new List<Slot>(Active);
        foreach (var slot in slots)
        {
            if (slot is not null)
            {
                taken.Add(slot);
            }
        }

        return [.. taken];
    }

    /// <summary>One activation's latest report.</summary>
    public sealed class Slot(int expert)
    {
        public int Expert { get; } = expert;

        /// <summary>The expert's shard (immutable; replaced on every change).</summary>
        public KnowledgeShard? Shard { get; set; }

        /// <summary>Its own documents and tokens as stored.</summary>
        public OriginTotals Own { get; set; }

        public long ExchangesStarted { get; set; }

        public long BytesExchanged { get; set; }
    }
}
