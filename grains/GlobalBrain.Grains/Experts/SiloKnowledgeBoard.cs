using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// What the experts active on this silo know, as they last reported it: each activation holds a
/// <see cref="Slot"/> and writes its shard (a reference: shards are immutable and shared) and counters
/// into it after every change, so the silo's partial aggregator reads N experts without a single call.
/// </summary>
/// <remarks>Thread-safe: experts write their own slots from their own turns; readers see each field atomically.</remarks>
public sealed class SiloKnowledgeBoard(IOptions<ExpertsOptions> experts, TimeProvider time)
{
    private readonly object _gate = new();
    private Slot?[]? _slots;
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
    public int Active { get; private set; }

    /// <summary>An activation of expert <paramref name="expert"/> starts reporting here.</summary>
    public Slot Join(int expert)
    {
        var slot = new Slot(expert);
        lock (_gate)
        {
            var slots = _slots ??= new Slot?[experts.Value.Count];
            Active += slots[expert] is null ? 1 : 0;
            slots[expert] = slot;
        }

        return slot;
    }

    /// <summary>The activation ends; its slot is removed unless a newer activation took its place.</summary>
    public void Leave(Slot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        lock (_gate)
        {
            if (_slots is { } slots && ReferenceEquals(slots[slot.Expert], slot))
            {
                slots[slot.Expert] = null;
                Active--;
            }
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
        lock (_gate)
        {
            return _slots is null ? [] : [.. _slots.Where(s => s is not null).Select(s => s!)];
        }
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
