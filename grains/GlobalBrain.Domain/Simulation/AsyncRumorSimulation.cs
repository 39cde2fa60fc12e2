namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// The rumor in continuous time (<see cref="SimulationClock.Async"/>, <see cref="SimulationClock.Poisson"/>) on any
/// topology, for up to <see cref="SimulationSpec.MaxExperts"/> experts: one exchange a tick, taking effect at once,
/// so that a later tick of the same period already sees it — which is why these runs are sequential (one core)
/// and not the synchronous rounds of <see cref="GossipSimulation"/>. The informed set is a bitset; the state is
/// sampled every 1/v seconds (the "rounds" of the result), and the ticks at which mean reach reaches 99% and
/// everyone is informed are kept to the tick (<see cref="ReachTimes"/>). Every random choice is
/// <see cref="CounterRandom"/> of the seed, so a seed gives the same run every time.
/// </summary>
public static class AsyncRumorSimulation
{
    private const ulong PhaseStream = 0x7068617365UL; // "phase"
    private const ulong PoissonStream = 0x706F6973736F6EUL; // "poisson"

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
        /// <summary>Every tick in ((period − 1)/v, period/v], in time order.</summary>
        void RunPeriod(int period, Topology topology, State state);
    }

    /// <summary>
    /// Each expert ticks at φ, φ + 1/v, φ + 2/v, … with φ uniform in [0, 1/v) from the seed: the experts sorted by
    /// phase once, every period visits them in that order.
    /// </summary>
    private sealed class PeriodicClock : IClock
    {
        private readonly SimulationSpec _spec;
        private readonly double _period;
        private readonly ulong[] _phases;
        private readonly int[] _order;

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
        }

        public void RunPeriod(int period, Topology topology, State state)
        {
            var key = CounterRandom.RoundKey(_spec.Seed, GossipSimulation.ExchangeStream, period);
            var start = (period - 1) * _period;
            for (var p = 0; p < _order.Length; p++)
            {
                var expert = _order[p];
                var peer = topology.Peer(expert, CounterRandom.Next(key, expert, 1));
                if (peer >= 0)
                {
                    state.Exchange(expert, peer, key, p, start + (CounterRandom.Unit(_phases[p]) * _period));
                }
            }
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
                    state.Exchange(expert, peer, _key, _event, _next);
                }

                _last = _next;
                _next = double.NaN;
                _event++;
            }
        }
    }

    /// <summary>The informed set and the counts of the current period.</summary>
    private sealed class State
    {
        private readonly ulong[] _informed;
        private readonly int _n;
        private readonly long _count99;
        private readonly bool _push;
        private readonly bool _pull;
        private readonly double _loss;
        private long _count = 1;
        private long _exchanges;
        private long _deliveries;

        public State(SimulationSpec spec, int n)
        {
            Spec = spec;
            _n = n;
            _informed = new ulong[(n + 63) / 64];
            _informed[0] = 1; // the rumor starts at expert 0
            _push = spec.Mode != ExchangeMode.Pull;
            _pull = spec.Mode != ExchangeMode.Push;
            _loss = spec.Loss;
            // The fewest informed experts whose mean reach, as a round reports it, is ≥ 99%.
            _count99 = (long)Math.Ceiling(ReachTimes.Reach99 * n);
            while (_count99 > 1 && (double)(_count99 - 1) / n >= ReachTimes.Reach99)
            {
                _count99--;
            }

            while ((double)_count99 / n < ReachTimes.Reach99)
            {
                _count99++;
            }

            To99 = _count >= _count99 ? 0 : null;
            ToFull = _count == n ? 0 : null;
        }

        public SimulationSpec Spec { get; }

        public double? To99 { get; private set; }

        public double? ToFull { get; private set; }

        /// <summary>
        /// One exchange at <paramref name="time"/>: both ends read the state as it is, and what moves lands at once,
        /// unless the message is lost (each direction with probability q, drawn from <paramref name="key"/> and
        /// <paramref name="tick"/>). A lost message was still sent: its bytes count.
        /// </summary>
        public void Exchange(int expert, int peer, ulong key, long tick, double time)
        {
            _exchanges++;
            var held = Holds(expert);
            var peerHeld = Holds(peer);
            if (_push && held)
            {
                _deliveries++;
                if (!peerHeld && !Lost(key, tick, PushLossDraw))
                {
                    Inform(peer, time);
                }
            }

            if (_pull && peerHeld)
            {
                _deliveries++;
                if (!held && !Lost(key, tick, PullLossDraw))
                {
                    Inform(expert, time);
                }
            }
        }

        private bool Lost(ulong key, long tick, int draw) => _loss > 0 && CounterRandom.Unit(CounterRandom.Next(key, tick, draw)) < _loss;

        /// <summary>The state now as round <paramref name="period"/>'s figures (exchanges and bytes since the last sample).</summary>
        public RoundStats Sample(int period)
        {
            var stats = GossipSimulation.Combine(Spec, period, [new BlockStats(_exchanges, _deliveries * GossipSimulation.BytesPerItem, _count, null)], 1);
            _exchanges = 0;
            _deliveries = 0;
            return stats;
        }

        private bool Holds(int expert) => (_informed[expert >> 6] >> (expert & 63) & 1) != 0;

        private void Inform(int expert, double time)
        {
            _informed[expert >> 6] |= 1UL << (expert & 63);
            _count++;
            if (_count == _count99)
            {
                To99 = time;
            }

            if (_count == _n)
            {
                ToFull = time;
            }
        }
    }
}
