namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// The rumor in continuous time (<see cref="SimulationClock.Async"/>, <see cref="SimulationClock.Poisson"/>) on any
/// topology, for up to <see cref="SimulationSpec.MaxExperts"/> experts: one exchange a tick, taking effect at once,
/// so that a later tick of the same period already sees it — which is why these runs are sequential (one core)
/// and not the synchronous rounds of <see cref="GossipSimulation"/>. The informed set is a bitset; the state is
/// sampled every 1/v seconds (the "rounds" of the result), and the ticks at which mean reach first reaches 99% and
/// everyone is first informed are kept to the tick (<see cref="ReachTimes"/>). Every random choice is
/// <see cref="CounterRandom"/> of the seed, so a seed gives the same run every time. Churn (experts replaced by
/// uninformed joiners) and the live cluster's faults (<see cref="SimulationFaults"/>) are events in the same time.
/// </summary>
public static partial class AsyncRumorSimulation
{
    private const ulong PhaseStream = 0x7068617365UL; // "phase"
    private const ulong PoissonStream = 0x706F6973736F6EUL; // "poisson"
    private const ulong RephaseStream = 0x7265706861736555UL; // "rephase": ticks of experts that came back at a new phase

    // Draws of a tick beyond its peer's: whether its push, and its pull's answer, are lost.
    private const int PushLossDraw = 8;
    private const int PullLossDraw = 9;

    /// <summary>Runs <paramref name="spec"/>, whose clock must be asynchronous and scenario the rumor.</summary>
    public static SimulationResult Run(SimulationSpec spec, IProgress<RoundStats>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        var n = (int)spec.Experts; // Validate keeps asynchronous runs to MaxExperts
        var topology = Topology.Build(spec.Topology, n, spec.Seed);
        var state = new State(spec, n);
        var rounds = new List<RoundStats> { state.Sample(0) };
        progress?.Report(rounds[0]);
        var threshold = 1 - spec.Epsilon;
        int? covered = rounds[0].MinReach >= threshold ? 0 : null;
        var clock = spec.Clock == SimulationClock.Async ? (IClock)new PeriodicClock(spec, n) : new PoissonClock(spec, n);
        for (var period = 1; period <= spec.MaxRounds && !(spec.UntilConverged && covered is not null); period++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            clock.RunPeriod(period, topology, state);
            state.Advance(period / spec.FlowRate); // churn and late messages up to the sample
            var sample = state.Sample(period);
            rounds.Add(sample);
            progress?.Report(sample);
            if (covered is null && sample.MinReach >= threshold)
            {
                covered = period;
            }
        }

        return new SimulationResult(spec, 1, topology.Edges, rounds, covered, new ReachTimes(state.To99, state.ToFull));
    }

    /// <summary>Bytes of state for N experts with <paramref name="clock"/>: the bitset, and for the periodic clock the visiting order and phases.</summary>
    public static long StateBytes(long experts, SimulationClock clock) =>
        (((experts + 63) / 64) * sizeof(ulong)) + (clock == SimulationClock.Async ? experts * (sizeof(int) + sizeof(ulong)) : 0);

    private static void Validate(SimulationSpec spec)
    {
        var errors = spec.Validate().ToList();
        if (spec.Clock == SimulationClock.Rounds)
        {
            errors.Add("the asynchronous engine runs --clock async or poisson; synchronous rounds run in GossipSimulation or CompactRumorSimulation");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(spec));
        }
    }

    private interface IClock
    {
        /// <summary>Every tick in [(period − 1)/v, period/v), in time order.</summary>
        void RunPeriod(int period, Topology topology, State state);
    }

    /// <summary>
    /// Each expert ticks at φ, φ + 1/v, φ + 2/v, … with φ uniform in [0, 1/v) from the seed: the experts sorted by
    /// phase once, every period visits them in that order. An expert that deactivates for a fault comes back at a
    /// new random phase, as a live expert joins its silo's clock again: from then on it ticks from a queue of its own.
    /// </summary>
    private sealed class PeriodicClock : IClock
    {
        private readonly SimulationSpec _spec;
        private readonly double _period;
        private readonly ulong[] _phases;
        private readonly int[] _order;

        // Experts that came back at a new phase, and their next ticks (time; expert and ordinal of that tick).
        private readonly bool[]? _rephased;
        private readonly PriorityQueue<(int Expert, long Ordinal), double>? _moved;

        public PeriodicClock(SimulationSpec spec, int n)
        {
            _spec = spec;
            _period = 1 / spec.FlowRate;
            _phases = GC.AllocateUninitializedArray<ulong>(n);
            _order = GC.AllocateUninitializedArray<int>(n);
            var key = CounterRandom.RoundKey(spec.Seed, PhaseStream, 0);
            for (var i = 0; i < n; i++)
            {
                _phases[i] = CounterRandom.Next(key, i, 0);
                _order[i] = i;
            }

            Array.Sort(_phases, _order); // a phase is CounterRandom.Unit of its value, which keeps the order
            if (spec.Faults?.Rates.Deactivate > 0)
            {
                _rephased = new bool[n];
                _moved = new PriorityQueue<(int, long), double>();
            }
        }

        public void RunPeriod(int period, Topology topology, State state)
        {
            var key = CounterRandom.RoundKey(_spec.Seed, GossipSimulation.ExchangeStream, period);
            var start = (period - 1) * _period;
            if (!state.Disturbed)
            {
                for (var p = 0; p < _order.Length; p++)
                {
                    var expert = _order[p];
                    var peer = topology.Peer(expert, CounterRandom.Next(key, expert, 1));
                    if (peer >= 0)
                    {
                        state.Exchange(expert, peer, key, p, start + (CounterRandom.Unit(_phases[p]) * _period));
                    }
                }

                return;
            }

            // Churn or faults: every tick runs the events due before it, and a deactivated expert moves to its own queue.
            var end = period * _period;
            var next = 0;
            while (true)
            {
                while (next < _order.Length && _rephased?[_order[next]] == true)
                {
                    next++;
                }

                var sortedAt = next < _order.Length ? start + (CounterRandom.Unit(_phases[next]) * _period) : double.PositiveInfinity;
                var movedAt = _moved is not null && _moved.TryPeek(out _, out var at) && at < end ? at : double.PositiveInfinity;
                if (double.IsPositiveInfinity(sortedAt) && double.IsPositiveInfinity(movedAt))
                {
                    return;
                }

                if (sortedAt <= movedAt)
                {
                    var expert = _order[next];
                    var peer = topology.Peer(expert, CounterRandom.Next(key, expert, 1));
                    if (peer >= 0 && state.Tick(expert, peer, key, next, sortedAt, ordinal: period - 1))
                    {
                        Rephase(expert, sortedAt, period - 1);
                    }

                    next++;
                }
                else
                {
                    var (expert, ordinal) = _moved!.Dequeue();
                    var movedKey = CounterRandom.RoundKey(_spec.Seed, RephaseStream, ordinal);
                    var peer = topology.Peer(expert, CounterRandom.Next(movedKey, expert, 1));
                    if (peer >= 0 && state.Tick(expert, peer, movedKey, expert, movedAt, ordinal))
                    {
                        Rephase(expert, movedAt, ordinal);
                    }
                    else
                    {
                        _moved.Enqueue((expert, ordinal + 1), movedAt + _period);
                    }
                }
            }
        }

        /// <summary>The expert deactivated at <paramref name="time"/> and comes back at once at a new phase: its next tick within (0, 1/v].</summary>
        private void Rephase(int expert, double time, long ordinal)
        {
            _rephased![expert] = true;
            var wait = 1 - CounterRandom.Unit(CounterRandom.Next(_spec.Seed, PhaseStream, ordinal + 1, expert, 1));
            _moved!.Enqueue((expert, ordinal + 1), time + (wait * _period));
        }
    }

    /// <summary>
    /// Each expert's ticks a Poisson process of rate v: together a Poisson process of rate N·v whose every event is
    /// a uniformly random expert's tick. Event j draws its wait, its expert and its peer from (seed, j).
    /// </summary>
    private sealed class PoissonClock(SimulationSpec spec, int n) : IClock
    {
        private readonly ulong _key = CounterRandom.RoundKey(spec.Seed, PoissonStream, 0);
        private readonly double _rate = n * spec.FlowRate;
        private long _event;
        private double _last;
        private double _next = double.NaN;

        public void RunPeriod(int period, Topology topology, State state)
        {
            var end = period / spec.FlowRate;
            while (true)
            {
                if (double.IsNaN(_next))
                {
                    // Exp(N·v) after the last event; 1 − U is in (0, 1].
                    _next = _last - (Math.Log(1 - CounterRandom.Unit(CounterRandom.Next(_key, _event, 0))) / _rate);
                }

                if (_next > end)
                {
                    return;
                }

                var expert = CounterRandom.Below(CounterRandom.Next(_key, _event, 1), n);
                var peer = topology.Peer(expert, CounterRandom.Next(_key, _event, 2));
                if (peer >= 0)
                {
                    if (state.Disturbed)
                    {
                        // A Poisson clock has no phase to lose: an expert that deactivates ticks on at rate v.
                        state.Tick(expert, peer, _key, _event, _next, ordinal: _event);
                    }
                    else
                    {
                        state.Exchange(expert, peer, _key, _event, _next);
                    }
                }

                _last = _next;
                _next = double.NaN;
                _event++;
            }
        }
    }
}
