namespace GlobalBrain.Domain.Simulation;

public static partial class AsyncRumorSimulation
{
    /// <summary>The informed set and the counts of the current period; with churn or faults, the events still to come (<see cref="Disturbed"/>).</summary>
    private sealed partial class State
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
            Disturbed = spec.Churn > 0 || spec.Faults is not null;
            if (Disturbed)
            {
                _churnRate = spec.Churn * spec.FlowRate * n;
                _churnKey = CounterRandom.RoundKey(spec.Seed, ChurnStream, 0);
                _faults = spec.Faults;
                _faultSeed = spec.Faults is { } faults ? CounterRandom.Next(spec.Seed, FaultSeedStream, 0, 0, 0) ^ faults.Seed : 0;
                _generation = spec.Faults is null ? null : new int[n];
                _nextChurn = _churnRate > 0 ? NextChurnTime(0) : double.PositiveInfinity;
            }
        }

        public SimulationSpec Spec { get; }

        /// <summary>When mean reach first reached 99% (seconds), if it did.</summary>
        public double? To99 { get; private set; }

        /// <summary>When everyone was first informed (seconds), if they were.</summary>
        public double? ToFull { get; private set; }

        /// <summary>Whether churn or faults add events between the ticks: then each tick goes through <see cref="Tick"/>.</summary>
        public bool Disturbed { get; }

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
                To99 ??= time; // with churn the count can fall and rise again: the first time counts
            }

            if (_count == _n)
            {
                ToFull ??= time;
            }
        }

        /// <summary>Expert <paramref name="expert"/> leaves and an uninformed joiner takes its place.</summary>
        private void Forget(int expert)
        {
            if (Holds(expert))
            {
                _informed[expert >> 6] &= ~(1UL << (expert & 63));
                _count--;
            }
        }
    }
}
