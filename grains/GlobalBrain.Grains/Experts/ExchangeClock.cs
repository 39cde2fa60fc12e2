using System.Collections.Concurrent;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// The experts' clock on one silo: each expert active here ticks once every period (1/v) at its own random phase, as a grain timer per expert would, but from one timer
/// for the whole silo. A .NET timer queue walks its near-due timers every time one fires, so a timer
/// per expert costs time in proportion to N (a quarter of a silo's CPU at 10^5 experts, measured); this
/// wheel costs in proportion to the ticks due.
/// </summary>
/// <remarks>
/// A hashed wheel of <see cref="Resolution"/> slots over the period; each firing sends the ticks of the
/// slots that came due since the last one. Thread-safe: experts join and leave from their own turns.
/// <para>
/// At most <see cref="MaxInFlight"/> ticks are under way at once (<see cref="ExpertsOptions.MaxExchangesInFlight"/>):
/// each holds a shard in flight, and a silo that cannot keep up with N·v would otherwise hold one per expert — on
/// three silo processes of 10^6 experts, 20 GB within minutes of spreading (measured). A tick beyond the bound is
/// skipped like one whose expert is still busy; the walk through a slot starts at a rotating place, so the same
/// experts are not always the ones left out.
/// </para>
/// <para>
/// What experts call takes no lock: a tick's end (<see cref="Done"/>, N·v times a second from every pool thread),
/// <see cref="Join"/> and <see cref="Leave"/> (queued, and applied by the next firing). With one lock shared with
/// the wheel, three silo processes of 10^6 experts on two cores convoyed on it (dotnet-stack: 25 of one silo's 58
/// threads blocked in <c>Monitor.Enter</c> from a tick's end, 3 more from <see cref="Fire"/>; with only
/// <see cref="Done"/> lock-free, 8 from <see cref="Join"/> while activating), and the thread pool, seeing no work
/// item finish, added threads: 60–100 per silo, a load average of 92, half of N·v.
/// </para>
/// </remarks>
public sealed class ExchangeClock : IDisposable, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How precisely ticks keep their phase.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(10);

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Action<int> _tick;
    private readonly HashSet<int>[] _slots;
    private readonly Dictionary<int, int> _slotOf = [];

    // Joins (the step of the first tick) and leaves (-1) not yet applied to the wheel, in the order they came.
    private readonly ConcurrentQueue<(int Expert, long FirstStep)> _changes = new();

    // By expert: the step + 1 its last unfinished tick was sent at (0: none under way). Such an expert gets no
    // other tick (for a minute: a tick lost on the way is not waited for forever), so a silo that falls behind
    // holds at most one tick per expert instead of a queue that grows without end. Set by Fire (under the gate),
    // cleared by Done (from any thread, without it); _inFlight counts the entries that are not 0.
    private readonly long[] _busySince;
    private int _inFlight;
    private readonly long _stale = (long)(TimeSpan.FromMinutes(1) / Resolution);
    private long _skipped;
    private long _turn;
    private readonly long _start;
    private ITimer? _timer;
    private long _nextStep;
    private bool _stopped;

    /// <param name="tick">Sends expert i its tick (a one-way grain call in the silo); must not block.</param>
    /// <param name="experts">N: experts 0..N-1 may join.</param>
    /// <param name="maxInFlight">Ticks under way at once, at most.</param>
    internal ExchangeClock(TimeSpan period, TimeProvider time, Action<int> tick, int experts, int maxInFlight = int.MaxValue)
    {
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        _busySince = new long[experts];
        Period = period;
        MaxInFlight = maxInFlight;
        _time = time;
        _tick = tick;
        _slots = new HashSet<int>[Math.Max(1, (int)Math.Ceiling(period / Resolution))];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = [];
        }

        _start = time.GetTimestamp();
    }

    /// <summary>The clock of this silo's experts (DI): ticks every 1/v, sent as <see cref="IExpertGrain.TickAsync"/> (with v = 0 nobody joins it).</summary>
    public ExchangeClock(IOptions<ExpertsOptions> experts, IGrainFactory grains, TimeProvider time)
        : this(PeriodOf(experts.Value), time, i => _ = grains.Expert(i).TickAsync(), experts.Value.Count, experts.Value.MaxExchangesInFlight)
    {
    }

    /// <summary>Time between two ticks of one expert.</summary>
    public TimeSpan Period { get; }

    /// <summary>Ticks under way at once, at most.</summary>
    public int MaxInFlight { get; }

    /// <summary>Ticks sent and not yet finished (exchanges under way, and the writes that follow them).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Experts that tick on this clock.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                ApplyChanges();
                return _slotOf.Count;
            }
        }
    }

    /// <summary>Ticks not sent because the expert's previous tick had not finished: the silo does not keep up with v.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Expert <paramref name="expert"/> finished its tick (or could not take it): it gets the next one.</summary>
    public void Done(int expert)
    {
        if ((uint)expert < (uint)_busySince.Length && Interlocked.Exchange(ref _busySince[expert], 0) != 0)
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>1/v (one second when v = 0: then no expert joins).</summary>
    public static TimeSpan PeriodOf(ExpertsOptions experts)
    {
        ArgumentNullException.ThrowIfNull(experts);
        return experts.FlowRate > 0 ? TimeSpan.FromSeconds(1 / experts.FlowRate) : TimeSpan.FromSeconds(1);
    }

    /// <summary>Expert <paramref name="expert"/> ticks from now on, first after <paramref name="phase"/> × the period (a fraction in [0, 1)).</summary>
    public void Join(int expert, double phase)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expert);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(expert, _busySince.Length);
        if (Volatile.Read(ref _stopped))
        {
            return;
        }

        var now = Step(_time.GetTimestamp());
        Done(expert);
        _changes.Enqueue((expert, now + 1 + (long)(Math.Clamp(phase, 0, 1) * _slots.Length)));
        if (Volatile.Read(ref _timer) is null)
        {
            lock (_gate)
            {
                if (_timer is null && !_stopped)
                {
                    // The wheel turns from the first expert on: no slot is due before now.
                    _nextStep = now + 1;
                    _timer = _time.CreateTimer(_ => Fire(), null, Resolution, Resolution);
                }
            }
        }
    }

    /// <summary>Expert <paramref name="expert"/> no longer ticks.</summary>
    public void Leave(int expert)
    {
        _changes.Enqueue((expert, -1));
        Done(expert);
    }

    public void Dispose() => Stop();

    /// <summary>
    /// No more ticks: the silo is stopping. First of all its stages to stop, so experts stop exchanging
    /// before grains deactivate (otherwise every tick on a stopping silo addresses peers that are gone:
    /// at 10^5 experts, 300,000 failed-message and retry log entries and a minute's shutdown, measured).
    /// </summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.OnSiloStop(nameof(ExchangeClock), Stop);

    /// <summary>Sends the ticks of every slot that came due since the last firing (all of them, once, if it fell a whole period behind).</summary>
    internal void Fire()
    {
        int[] due;
        lock (_gate)
        {
            var now = Step(_time.GetTimestamp());
            if (_stopped || now < _nextStep)
            {
                return;
            }

            ApplyChanges();

            var from = Math.Max(_nextStep, now - _slots.Length + 1);
            var ticks = new List<int>();
            for (var step = from; step <= now; step++)
            {
                var slot = _slots[(int)(step % _slots.Length)];

                // When not all of them fit, the walk starts at a place that moves on at every firing, so that the
                // experts a full silo leaves out are not the same each period.
                var first = InFlight + slot.Count <= MaxInFlight || slot.Count == 0 ? 0 : (int)(_turn++ % slot.Count);
                var index = 0;
                foreach (var expert in slot)
                {
                    if (index++ >= first)
                    {
                        Send(expert);
                    }
                }

                index = 0;
                foreach (var expert in slot)
                {
                    if (index++ >= first)
                    {
                        break;
                    }

                    Send(expert);
                }
            }

            _nextStep = now + 1;
            due = [.. ticks];

            void Send(int expert)
            {
                ref var since = ref _busySince[expert];
                while (true)
                {
                    var sent = Volatile.Read(ref since);
                    if ((sent != 0 && now + 1 - sent < _stale) || InFlight >= MaxInFlight)
                    {
                        _skipped++;
                        return;
                    }

                    // Done may clear it meanwhile (then look again); a stale tick's place is taken over, already counted.
                    if (Interlocked.CompareExchange(ref since, now + 1, sent) == sent)
                    {
                        if (sent == 0)
                        {
                            Interlocked.Increment(ref _inFlight);
                        }

                        ticks.Add(expert);
                        return;
                    }
                }
            }
        }

        foreach (var expert in due)
        {
            _tick(expert);
        }
    }

    private long Step(long timestamp) => (long)(_time.GetElapsedTime(_start, timestamp) / Resolution);

    /// <summary>Puts the queued joins and leaves on the wheel (under the gate).</summary>
    private void ApplyChanges()
    {
        while (_changes.TryDequeue(out var change))
        {
            if (_slotOf.Remove(change.Expert, out var slot))
            {
                _slots[slot].Remove(change.Expert);
            }

            if (change.FirstStep >= 0)
            {
                slot = (int)(change.FirstStep % _slots.Length);
                _slots[slot].Add(change.Expert);
                _slotOf[change.Expert] = slot;
            }
        }
    }
}
