using GlobalBrain.Domain.Faults;

namespace GlobalBrain.Domain.Simulation;

// Churn and the live cluster's faults: events between the ticks, in time order.
public static partial class AsyncRumorSimulation
{
    private const ulong ChurnStream = 0x636875726EUL; // "churn"
    private const ulong FaultSeedStream = 0x6661756C7473UL; // "faults"

    private sealed partial class State
    {
        private readonly double _churnRate;
        private readonly ulong _churnKey;
        private readonly SimulationFaults? _faults;
        private readonly ulong _faultSeed;

        // Each expert's activation: a message it still held (delayed, held back) is lost when it deactivates or leaves.
        private readonly int[]? _generation;
        private readonly PriorityQueue<Message, (double Time, long Order)> _late = new();
        private readonly Dictionary<int, Message> _heldBack = [];
        private long _churnEvent;
        private double _nextChurn = double.PositiveInfinity;
        private long _lateOrder;

        /// <summary>Runs every churn event and late message due at or before <paramref name="time"/>, in time order.</summary>
        public void Advance(double time)
        {
            if (!Disturbed)
            {
                return;
            }

            while (true)
            {
                var lateAt = _late.TryPeek(out _, out var due) ? due.Time : double.PositiveInfinity;
                if (_nextChurn <= lateAt && _nextChurn <= time)
                {
                    Leave(CounterRandom.Below(CounterRandom.Next(_churnKey, _churnEvent, 1), _n));
                    _churnEvent++;
                    _nextChurn = NextChurnTime(_nextChurn);
                }
                else if (lateAt <= time)
                {
                    var message = _late.Dequeue();
                    if (message.Generation == _generation![message.Expert])
                    {
                        Deliver(message, lateAt);
                    }
                }
                else
                {
                    return;
                }
            }
        }

        /// <summary>
        /// A tick with churn or faults: the events due before it, then the exchange, whose message meets the faults
        /// <see cref="FaultPlan.Draw"/> gives the expert's exchange number <paramref name="ordinal"/> — delivered now,
        /// never, late, or after the expert's next exchange; once or twice — then the message the last exchange held
        /// back. Returns whether the expert deactivates afterwards (losing the messages it still held).
        /// </summary>
        public bool Tick(int expert, int peer, ulong key, long tick, double time, long ordinal)
        {
            Advance(time);
            if (_faults is not { } faults)
            {
                Exchange(expert, peer, key, tick, time);
                return false;
            }

            _exchanges++;
            var fault = FaultPlan.Draw(faults.Rates, _faultSeed, expert, ordinal);
            _heldBack.Remove(expert, out var heldBack);
            // What it carries is read now: the peer's answer (pull), or the expert's shard (push). Push-pull's push is
            // what the peer lacks once the answer lands, computed then (see Deliver).
            var message = new Message(expert, peer, Holds(expert), Holds(peer), fault.Duplicated ? 2 : 1, key, tick, _generation![expert]);
            switch (fault.Fate)
            {
                case MessageFate.Dropped:
                    break;
                case MessageFate.Delayed:
                    // As the live cluster waits: MaxDelay × the draw's fraction, at least a millisecond.
                    _late.Enqueue(message, (time + Math.Max(0.001, faults.MaxDelaySeconds * fault.DelayFraction), _lateOrder++));
                    break;
                case MessageFate.Reordered:
                    _heldBack[expert] = message;
                    break;
                default:
                    Deliver(message, time);
                    break;
            }

            if (heldBack is not null)
            {
                Deliver(heldBack, time);
            }

            if (fault.Deactivate)
            {
                // It stores its shard first (what it knows stays), and what it still held is lost with the activation.
                _generation[expert]++;
                _heldBack.Remove(expert);
                return true;
            }

            return false;
        }

        /// <summary>A message lands at <paramref name="time"/>: as <see cref="Exchange"/> delivers it, from what it carries.</summary>
        private void Deliver(Message message, double time)
        {
            var (expert, peer) = (message.Expert, message.Peer);
            var pushes = _pull ? Holds(expert) : message.ExpertHeld; // push-pull: the expert's knowledge as the answer lands
            if (_push && pushes)
            {
                _deliveries += message.Copies;
                if (!Holds(peer) && !Lost(message.Key, message.Tick, PushLossDraw))
                {
                    Inform(peer, time);
                }
            }

            if (_pull && message.PeerHeld)
            {
                _deliveries += message.Copies;
                if (!Holds(expert) && !Lost(message.Key, message.Tick, PullLossDraw))
                {
                    Inform(expert, time);
                }
            }
        }

        /// <summary>A churn event: the expert leaves, with whatever it still held back; an uninformed joiner takes its place.</summary>
        private void Leave(int expert)
        {
            Forget(expert);
            if (_generation is not null)
            {
                _generation[expert]++;
                _heldBack.Remove(expert);
            }
        }

        /// <summary>Churn events are a Poisson process of rate R·v·N: each expert leaves at rate R per period of 1/v.</summary>
        private double NextChurnTime(double last) =>
            last - (Math.Log(1 - CounterRandom.Unit(CounterRandom.Next(_churnKey, _churnEvent, 0))) / _churnRate);

        /// <summary>One exchange's message: who started it, with whom, what each end held when it was sent, and how many copies land.</summary>
        private sealed record Message(int Expert, int Peer, bool ExpertHeld, bool PeerHeld, int Copies, ulong Key, long Tick, int Generation);
    }
}
