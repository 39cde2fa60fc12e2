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

    // Experts whose last tick has not finished, with the step it was sent: they get no other (for a
    // minute: a tick lost on the way is not waited for forever), so a silo that falls behind holds at
    // most one tick per expert instead of a queue that grows without end.
    private readonly Dictionary<int, long> _busy = [];
    private readonly long _stale = (long)(TimeSpan.FromMinutes(1) / Resolution);
    private long _skipped;
    private long _turn;
    private readonly long _start;
    private ITimer? _timer;
    private long _nextStep;
    private bool _stopped;

    /// <param name="tick">Sends expert i its tick (a one-way grain call in the silo); must not block.</param>
    /// <param name="maxInFlight">Ticks under way at once, at most.</param>
    internal ExchangeClock(TimeSpan period, TimeProvider time, Action<int> tick, int maxInFlight = int.MaxValue)
    {
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
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
        : this(PeriodOf(experts.Value), time, i => _ = grains.Expert(i).TickAsync(), experts.Value.MaxExchangesInFlight)
    {
    }

    /// <summary>Time between two ticks of one expert.</summary>
    public TimeSpan Period { get; }

    /// <summary>Ticks under way at once, at most.</summary>
    public int MaxInFlight { get; }

    /// <summary>Ticks sent and not yet finished (exchanges under way, and the writes that follow them).</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _busy.Count;
            }
        }
    }

    /// <summary>Experts that tick on this clock.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _slotOf.Count;
            }
        }
    }

    /// <summary>Ticks not sent because the expert's previous tick had not finished: the silo does not keep up with v.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Expert <paramref name="expert"/> finished its tick (or could not take it): it gets the next one.</summary>
    public void Done(int expert)
    {
        lock (_gate)
        {
            _busy.Remove(expert);
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
        lock (_gate)
        {
            Leave(expert);
            var now = Step(_time.GetTimestamp());
            if (_stopped)
            {
                return;
            }

            if (_timer is null)
            {
                // The wheel turns from the first expert on: no slot is due before now.
                _nextStep = now + 1;
                _timer = _time.CreateTimer(_ => Fire(), null, Resolution, Resolution);
            }

            var slot = (int)((now + 1 + (long)(Math.Clamp(phase, 0, 1) * _slots.Length)) % _slots.Length);
            _slots[slot].Add(expert);
            _slotOf[expert] = slot;
        }
    }

    /// <summary>Expert <paramref name="expert"/> no longer ticks.</summary>
    public void Leave(int expert)
    {
        lock (_gate)
        {
            if (_slotOf.Remove(expert, out var slot))
            {
                _slots[slot].Remove(expert);
            }

            _busy.Remove(expert);
        }
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

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(ExchangeClock), ServiceLifecycleStage.Active, _ => Task.CompletedTask, _ =>
        {
            Stop();
            return Task.CompletedTask;
        });
    }

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

            var from = Math.Max(_nextStep, now - _slots.Length + 1);
            var ticks = new List<int>();
            for (var step = from; step <= now; step++)
            {
                var slot = _slots[(int)(step % _slots.Length)];

                // When not all of them fit, the walk starts at a place that moves on at every firing, so that the
                // experts a full silo leaves out are not the same each period.
                var first = _busy.Count + slot.Count <= MaxInFlight || slot.Count == 0 ? 0 : (int)(_turn++ % slot.Count);
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
                if ((_busy.TryGetValue(expert, out var sent) && now - sent < _stale) || _busy.Count >= MaxInFlight)
                {
                    _skipped++;
                }
                else
                {
                    _busy[expert] = now;
                    ticks.Add(expert);
                }
            }
        }

        foreach (var expert in due)
        {
            _tick(expert);
        }
    }

    private long Step(long timestamp) => (long)(_time.GetElapsedTime(_start, timestamp) / Resolution);
}
