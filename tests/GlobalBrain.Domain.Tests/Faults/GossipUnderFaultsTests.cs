using CsCheck;
using GlobalBrain.Domain.Faults;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Domain.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace GlobalBrain.Domain.Tests.Faults;

/// <summary>
/// The merge of knowledge shards under the faults of <see cref="FaultPlan"/>: whatever is dropped,
/// duplicated, delayed, reordered or lost to a restart, gossip converges to the union once the faults
/// stop, and no exact count ever exceeds what was ingested.
/// </summary>
public sealed class GossipUnderFaultsTests(ITestOutputHelper output)
{
    private const ulong IngestStream = 0x696E67657374UL; // "ingest"
    private const ulong PeerStream = 0x70656572UL; // "peer"

    /// <summary>Rounds without faults within which every shard must be the union (N ≤ 8 needs about a tenth of it).</summary>
    private const int RoundsToConverge = 100;

    /// <summary>A fate's probability: off half of the time, so that mixes of a few faults come up as often as all at once.</summary>
    private static readonly Gen<double> Fate = Gen.Select(Gen.Bool, Gen.Double[0, 0.33], (on, p) => on ? p : 0);

    private static readonly Gen<FaultRates> Rates =
        Gen.Select(Fate, Gen.Double[0, 0.8], Fate, Fate, Gen.Double[0, 0.6], (drop, duplicate, delay, reorder, deactivate) => new FaultRates(drop, duplicate, delay, reorder, deactivate));

    private static readonly Gen<Scenario> Scenarios =
        Gen.Select(Gen.ULong, Gen.Int[2, 8], Gen.Int[4, 8], Gen.Int[0, 2], Rates, Gen.Int[1, 60], Gen.Int[1, 6], Gen.Int[1, 10],
            (seed, experts, precision, mode, rates, faultyRounds, maxDelay, flushEvery) => new Scenario(seed, experts, precision, (Mode)mode, rates, faultyRounds, maxDelay, flushEvery));

    private enum Mode
    {
        Push,
        Pull,
        PushPull,
    }

    [Fact]
    public void Gossip_ConvergesToTheUnion_OnceFaultsStop_AndNeverCountsTwice()
    {
        Scenarios.Sample(scenario =>
        {
            var network = new Network(scenario);
            for (var round = 0; round < scenario.FaultyRounds; round++)
            {
                network.Round(round, scenario.Rates, ingest: true);
                network.AssertNothingBeyondTheIngested();
            }

            var quiet = 0;
            while (!network.Converged && quiet < RoundsToConverge)
            {
                network.Round(scenario.FaultyRounds + quiet++, FaultRates.None, ingest: false);
                network.AssertNothingBeyondTheIngested();
            }

            Assert.True(network.Converged, $"{scenario}: not the union {RoundsToConverge} rounds after the faults stopped");
        }, iter: 300);
    }

    [Fact]
    public void Gossip_ConvergesToTheUnion_WithEveryFaultAtOnce()
    {
        var rates = new FaultRates(0.3, 0.3, 0.3, 0.3, 0.3);
        foreach (var mode in Enum.GetValues<Mode>())
        {
            var rounds = new List<int>();
            for (ulong seed = 1; seed <= 20; seed++)
            {
                var scenario = new Scenario(seed, Experts: 8, Precision: 6, mode, rates, FaultyRounds: 40, MaxDelayRounds: 4, FlushEvery: 5);
                var network = new Network(scenario);
                for (var round = 0; round < scenario.FaultyRounds; round++)
                {
                    network.Round(round, rates, ingest: true);
                    network.AssertNothingBeyondTheIngested();
                }

                Assert.True(network.Injected.All(count => count > 0), $"{scenario}: every fault should have happened ({string.Join(", ", network.Injected)})");
                var quiet = 0;
                while (!network.Converged && quiet < RoundsToConverge)
                {
                    network.Round(scenario.FaultyRounds + quiet++, FaultRates.None, ingest: false);
                }

                Assert.True(network.Converged, $"{scenario}: not the union {RoundsToConverge} rounds after the faults stopped");
                rounds.Add(quiet);
            }

            output.WriteLine($"{mode}, N = 8, every fault at 0.3 for 40 rounds: the union {rounds.Average():F1} rounds after the faults stopped (range {rounds.Min()}–{rounds.Max()}, 20 seeds)");
        }
    }

    [Fact]
    public void Merge_OfStaleDuplicatedReorderedSnapshots_IsTheUnionOfTheLatest()
    {
        // Each expert's history of snapshots grows by learning; any delivery that includes each
        // expert's latest snapshot at least once, in any order, with stale and repeated copies, gives the union.
        var gen = Gen.Int[4, 8].SelectMany(precision => Gen.Select(
            Gen.Select(Gen.Int[0, 5], Gen.Long[0, 5], Gen.Long[0, 100], Gen.ULong.Array[0, 8]).Array[1, 6].Array[1, 6],
            Gen.Int[0, int.MaxValue].Array[0, 40],
            Gen.ULong,
            (histories, extra, order) => (precision, histories, extra, order)));
        gen.Sample(t =>
        {
            var (precision, histories, extra, order) = t;
            var snapshots = new List<(KnowledgeShard Shard, bool Latest)>();
            var union = KnowledgeShard.Empty(precision);
            for (var expert = 0; expert < histories.Length; expert++)
            {
                var shard = KnowledgeShard.Empty(precision);
                for (var step = 0; step < histories[expert].Length; step++)
                {
                    var (_, documents, tokens, items) = histories[expert][step];
                    shard = shard.Learn(expert, documents, tokens, items);
                    union = union.Learn(expert, documents, tokens, items);
                    snapshots.Add((shard, step == histories[expert].Length - 1));
                }
            }

            var delivery = snapshots.Where(s => s.Latest).Select(s => s.Shard).Concat(extra.Select(i => snapshots[i % snapshots.Count].Shard)).ToList();
            var received = KnowledgeShard.Empty(precision);
            foreach (var (snapshot, _) in delivery.Select((s, i) => (s, CounterRandom.Next(order, 0, 0, i, 0))).OrderBy(d => d.Item2))
            {
                received = received.Merge(snapshot);
            }

            Assert.True(received.ContentEquals(union));
        }, iter: 1_000);
    }

    private sealed record Scenario(ulong Seed, int Experts, int Precision, Mode Mode, FaultRates Rates, int FaultyRounds, int MaxDelayRounds, int FlushEvery);

    /// <summary>A message on its way: push carries the sender's shard to the peer; pull, the peer's to the sender; push-pull, the sender's to the peer, which answers with its own when it lands.</summary>
    private sealed record Message(int Sender, int Peer, Mode Mode, KnowledgeShard Snapshot, int Copies);

    /// <summary>
    /// Experts exchanging in the live cluster's way (one expert at a time, each exchange seeing the
    /// latest state), with ExpertGrain's fault semantics: a delayed message lands some rounds later,
    /// a held-back one after its sender's next exchange, both lost if the sender restarts first. A
    /// restart here is harsher than the grain's (which stores before it deactivates): the expert comes
    /// back from what it stored at its last ingest or flush, losing what it gained by exchange since.
    /// </summary>
    private sealed class Network
    {
        private readonly Scenario _scenario;
        private readonly KnowledgeShard[] _live;
        private readonly KnowledgeShard[] _stored;
        private readonly long[] _ordinals;
        private readonly Message?[] _heldBack;
        private readonly List<(int Due, Message Message)> _inFlight = [];
        private KnowledgeShard _union;

        public Network(Scenario scenario)
        {
            _scenario = scenario;
            var n = scenario.Experts;
            _live = [.. Enumerable.Range(0, n).Select(_ => KnowledgeShard.Empty(scenario.Precision))];
            _stored = [.. _live];
            _ordinals = new long[n];
            _heldBack = new Message?[n];
            _union = KnowledgeShard.Empty(scenario.Precision);
        }

        /// <summary>Dropped, duplicated, delayed, reordered, restarted: how often each happened.</summary>
        public int[] Injected { get; } = new int[5];

        public bool Converged => _live.All(s => s.ContentEquals(_union));

        public void Round(int round, FaultRates rates, bool ingest)
        {
            foreach (var (_, message) in _inFlight.Where(m => m.Due <= round).ToList())
            {
                Deliver(message);
            }

            _inFlight.RemoveAll(m => m.Due <= round);
            var n = _scenario.Experts;
            for (var expert = 0; expert < n; expert++)
            {
                if (ingest && (round == 0 || CounterRandom.Unit(CounterRandom.Next(_scenario.Seed, IngestStream, round, expert, 0)) < 0.3))
                {
                    Ingest(round, expert);
                }

                var other = CounterRandom.Below(CounterRandom.Next(_scenario.Seed, PeerStream, round, expert, 0), n - 1);
                var peer = other >= expert ? other + 1 : other;
                var fault = FaultPlan.Draw(rates, _scenario.Seed, expert, _ordinals[expert]++);
                var heldBack = _heldBack[expert];
                _heldBack[expert] = null;
                var snapshot = _scenario.Mode == Mode.Pull ? _live[peer] : _live[expert];
                var message = new Message(expert, peer, _scenario.Mode, snapshot, fault.Duplicated ? 2 : 1);
                Injected[1] += fault.Duplicated ? 1 : 0;
                switch (fault.Fate)
                {
                    case MessageFate.Dropped:
                        Injected[0]++;
                        break;
                    case MessageFate.Delayed:
                        Injected[2]++;
                        _inFlight.Add((round + (int)Math.Ceiling(fault.DelayFraction * _scenario.MaxDelayRounds), message));
                        break;
                    case MessageFate.Reordered:
                        Injected[3]++;
                        _heldBack[expert] = message;
                        break;
                    default:
                        Deliver(message);
                        break;
                }

                if (heldBack is not null)
                {
                    Deliver(heldBack);
                }

                if (fault.Deactivate)
                {
                    Injected[4]++;
                    _live[expert] = _stored[expert];
                    _heldBack[expert] = null;
                    _inFlight.RemoveAll(m => m.Message.Sender == expert);
                }
            }

            if (round % _scenario.FlushEvery == 0)
            {
                for (var expert = 0; expert < n; expert++)
                {
                    _stored[expert] = _live[expert];
                }
            }
        }

        /// <summary>Every register and every exact count is at most the ingested one, whatever was duplicated.</summary>
        public void AssertNothingBeyondTheIngested()
        {
            foreach (var shard in _live)
            {
                Assert.True(ReferenceEquals(_union.Merge(shard), _union), "a shard holds something that was never ingested, or counts an origin beyond its exact totals");
            }
        }

        private void Ingest(int round, int expert)
        {
            var items = new ulong[1 + CounterRandom.Below(CounterRandom.Next(_scenario.Seed, IngestStream, round, expert, 1), 8)];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = CounterRandom.Next(_scenario.Seed, IngestStream, round, expert, 2 + i);
            }

            var documents = 1 + CounterRandom.Below(items[0], 3);
            var tokens = 1 + CounterRandom.Below(items[^1], 100);
            _live[expert] = _live[expert].Learn(expert, documents, tokens, items);
            _union = _union.Learn(expert, documents, tokens, items);

            // Stored before it is acknowledged, as the grain does.
            _stored[expert] = _live[expert];
        }

        private void Deliver(Message message)
        {
            for (var copy = 0; copy < message.Copies; copy++)
            {
                switch (message.Mode)
                {
                    case Mode.Push:
                        _live[message.Peer] = _live[message.Peer].Merge(message.Snapshot);
                        break;
                    case Mode.Pull:
                        _live[message.Sender] = _live[message.Sender].Merge(message.Snapshot);
                        break;
                    default:
                        _live[message.Peer] = _live[message.Peer].Merge(message.Snapshot);
                        _live[message.Sender] = _live[message.Sender].Merge(_live[message.Peer]);
                        break;
                }
            }
        }
    }
}
