using System.Numerics;
using System.Runtime.CompilerServices;
using GlobalBrain.Domain.Metrics;

namespace GlobalBrain.Domain.Simulation;

/// <summary>The state of the network after one round (round 0: before any exchange).</summary>
public sealed record RoundStats(
    int Round,
    double MeanReach,
    double MinReach,
    double P50Reach,
    double StdReach,
    double CollectiveIntelligence,
    long Exchanges,
    long BytesExchanged);

/// <summary>A finished run: the per-round states and the first round in which min reach ≥ 1 − ε (null if none).</summary>
public sealed record SimulationResult(SimulationSpec Spec, long DistinctItems, long TopologyEdges, IReadOnlyList<RoundStats> Rounds, int? RoundsToFullCoverage);

/// <summary>
/// Synchronous gossip rounds (DESIGN.md, "simulate"): in round r every expert starts ⌊v⌋ exchanges, plus
/// one with probability v − ⌊v⌋, each with a neighbour it picks; every exchange of the round reads the
/// state at the start of the round and what it delivers lands in the next state, so the result does not
/// depend on the order exchanges run in. Every random choice is <see cref="CounterRandom"/> of
/// (seed, round, expert, draw), so the same spec gives the same rounds on any partitioning or core count.
/// </summary>
/// <remarks>
/// An exchange carries the sender's whole shard (bytes = <see cref="BytesPerItem"/> per item it holds),
/// or, with an exchange cap c, a delta of at most c items the receiver lacks (bytes = 8 per item sent),
/// which is what makes the amount of information I slow the spreading down.
/// </remarks>
public static class GossipSimulation
{
    /// <summary>An item on the wire is its 64-bit hash.</summary>
    public const int BytesPerItem = 8;

    private const ulong ExchangeStream = 0x65786368616E6765UL; // "exchange"
    private const int ExpertsPerChunk = 1 << 16;

    public static SimulationResult Run(SimulationSpec spec, IProgress<RoundStats>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = spec.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(spec));
        }

        var topology = Topology.Build(spec.Topology, spec.Experts, spec.Seed);
        IKnowledge knowledge = spec.Scenario == ScenarioKind.Rumor ? new RumorKnowledge(spec.Experts) : new ItemKnowledge(spec.Experts, spec.ItemsPerExpert);
        var rounds = new List<RoundStats> { knowledge.Stats(0, 0, 0) };
        progress?.Report(rounds[0]);
        var threshold = 1 - spec.Epsilon;
        int? covered = rounds[0].MinReach >= threshold ? 0 : null;
        for (var round = 1; round <= spec.MaxRounds && !(spec.UntilConverged && covered is not null); round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (exchanges, bytes) = knowledge.Exchange(round, topology, spec);
            var stats = knowledge.Stats(round, exchanges, bytes);
            rounds.Add(stats);
            progress?.Report(stats);
            if (covered is null && stats.MinReach >= threshold)
            {
                covered = round;
            }
        }

        return new SimulationResult(spec, knowledge.DistinctItems, topology.Edges, rounds, covered);
    }

    /// <summary>How many exchanges an expert starts this round: ⌊v⌋, plus one with probability v − ⌊v⌋.</summary>
    internal static int ExchangesOf(SimulationSpec spec, int round, int expert)
    {
        var whole = (int)spec.FlowRate;
        var fraction = spec.FlowRate - whole;
        return fraction > 0 && CounterRandom.Unit(CounterRandom.Next(spec.Seed, ExchangeStream, round, expert, 0)) < fraction ? whole + 1 : whole;
    }

    internal static ulong PeerRandom(SimulationSpec spec, int round, int expert, int exchange) =>
        CounterRandom.Next(spec.Seed, ExchangeStream, round, expert, exchange + 1);

    /// <summary>Runs <paramref name="body"/> over the experts in chunks on all cores and sums what the chunks return.</summary>
    private static (long Exchanges, long Bytes) ForChunks(int experts, Func<int, int, (long, long)> body)
    {
        long exchanges = 0, bytes = 0;
        var chunks = (experts + ExpertsPerChunk - 1) / ExpertsPerChunk;
        Parallel.For(0, chunks, chunk =>
        {
            var start = chunk * ExpertsPerChunk;
            var (e, b) = body(start, Math.Min(experts, start + ExpertsPerChunk));
            Interlocked.Add(ref exchanges, e);
            Interlocked.Add(ref bytes, b);
        });
        return (exchanges, bytes);
    }

    private interface IKnowledge
    {
        long DistinctItems { get; }

        (long Exchanges, long Bytes) Exchange(int round, Topology topology, SimulationSpec spec);

        RoundStats Stats(int round, long exchanges, long bytes);
    }

    /// <summary>One item at expert 0; an expert's knowledge is one bit (N bits in all: 10^6 experts in 125 KB).</summary>
    private sealed class RumorKnowledge : IKnowledge
    {
        private readonly int _experts;
        private ulong[] _current;
        private ulong[] _next;

        public RumorKnowledge(int experts)
        {
            _experts = experts;
            _current = new ulong[(experts + 63) / 64];
            _next = new ulong[_current.Length];
            _current[0] = 1;
        }

        public long DistinctItems => 1;

        public (long Exchanges, long Bytes) Exchange(int round, Topology topology, SimulationSpec spec)
        {
            Array.Copy(_current, _next, _current.Length);
            var current = _current;
            var next = _next;
            var result = ForChunks(_experts, (start, end) =>
            {
                long exchanges = 0, bytes = 0;
                for (var i = start; i < end; i++)
                {
                    var count = ExchangesOf(spec, round, i);
                    var knows = Has(current, i);
                    for (var e = 0; e < count; e++)
                    {
                        var peer = topology.Peer(i, PeerRandom(spec, round, i, e));
                        if (peer < 0)
                        {
                            continue;
                        }

                        exchanges++;
                        if (spec.Mode != ExchangeMode.Pull && knows)
                        {
                            Set(next, peer);
                            bytes += BytesPerItem;
                        }

                        if (spec.Mode != ExchangeMode.Push && Has(current, peer))
                        {
                            Set(next, i);
                            bytes += BytesPerItem;
                        }
                    }
                }

                return (exchanges, bytes);
            });
            (_current, _next) = (_next, _current);
            return result;
        }

        public RoundStats Stats(int round, long exchanges, long bytes)
        {
            long informed = 0;
            foreach (var word in _current)
            {
                informed += BitOperations.PopCount(word);
            }

            // Reach is 1 for an informed expert and 0 otherwise; sorted, the zeros come first.
            var n = _experts;
            var p = (double)informed / n;
            var uninformed = n - informed;
            double At(long index) => index >= uninformed ? 1 : 0;
            var median = n % 2 == 1 ? At(n / 2) : (At((n / 2) - 1) + At(n / 2)) / 2;
            return new RoundStats(round, p, informed == n ? 1 : 0, median, Math.Sqrt(p * (1 - p)), informed, exchanges, bytes);
        }

        private static bool Has(ulong[] bits, int expert) => (bits[expert >> 6] & (1UL << (expert & 63))) != 0;

        private static void Set(ulong[] bits, int expert) => Interlocked.Or(ref bits[expert >> 6], 1UL << (expert & 63));
    }

    /// <summary>k items at every expert (item e·k + t is expert e's t-th); an expert's knowledge is an exact set of I = N·k bits.</summary>
    private sealed class ItemKnowledge : IKnowledge
    {
        private readonly int _experts;
        private readonly int _words;
        private readonly long _items;
        private ulong[] _current;
        private ulong[] _next;

        public ItemKnowledge(int experts, int itemsPerExpert)
        {
            _experts = experts;
            _items = (long)experts * itemsPerExpert;
            _words = checked((int)((_items + 63) / 64));
            _current = new ulong[checked((long)experts * _words)];
            _next = new ulong[_current.LongLength];
            for (var e = 0; e < experts; e++)
            {
                for (var t = 0; t < itemsPerExpert; t++)
                {
                    var item = ((long)e * itemsPerExpert) + t;
                    _current[((long)e * _words) + (item >> 6)] |= 1UL << (int)(item & 63);
                }
            }
        }

        public long DistinctItems => _items;

        public (long Exchanges, long Bytes) Exchange(int round, Topology topology, SimulationSpec spec)
        {
            Array.Copy(_current, _next, _current.LongLength);
            var result = ForChunks(_experts, (start, end) =>
            {
                long exchanges = 0, bytes = 0;
                for (var i = start; i < end; i++)
                {
                    var count = ExchangesOf(spec, round, i);
                    for (var e = 0; e < count; e++)
                    {
                        var random = PeerRandom(spec, round, i, e);
                        var peer = topology.Peer(i, random);
                        if (peer < 0)
                        {
                            continue;
                        }

                        exchanges++;
                        if (spec.Mode != ExchangeMode.Pull)
                        {
                            bytes += Send(i, peer, spec.ExchangeCap, random);
                        }

                        if (spec.Mode != ExchangeMode.Push)
                        {
                            bytes += Send(peer, i, spec.ExchangeCap, ~random);
                        }
                    }
                }

                return (exchanges, bytes);
            });
            (_current, _next) = (_next, _current);
            return result;
        }

        public RoundStats Stats(int round, long exchanges, long bytes)
        {
            var known = new double[_experts];
            for (var e = 0; e < _experts; e++)
            {
                long count = 0;
                foreach (var word in _current.AsSpan(e * _words, _words))
                {
                    count += BitOperations.PopCount(word);
                }

                known[e] = count;
            }

            var summary = ReachSummary.Compute(known, _items);
            return new RoundStats(round, summary.MeanReach, summary.MinReach, summary.MedianReach, summary.StdReach, summary.CollectiveIntelligence, exchanges, bytes);
        }

        /// <summary>Delivers what <paramref name="from"/> held at the start of the round to <paramref name="to"/>'s next state; returns the bytes sent.</summary>
        private long Send(int from, int to, int? cap, ulong random)
        {
            var source = _current.AsSpan(from * _words, _words);
            ref var target = ref _next[(long)to * _words];
            long sent = 0;
            if (cap is not { } limit)
            {
                for (var w = 0; w < _words; w++)
                {
                    if (source[w] != 0)
                    {
                        Interlocked.Or(ref Unsafe.Add(ref target, w), source[w]);
                        sent += BitOperations.PopCount(source[w]);
                    }
                }

                return sent * BytesPerItem;
            }

            // A delta: up to `limit` items the receiver lacked at the start of the round, scanning the
            // words from a random one so that no item range is favoured.
            var receiver = _current.AsSpan(to * _words, _words);
            var first = CounterRandom.Below(random, _words);
            for (var k = 0; k < _words && sent < limit; k++)
            {
                var w = first + k < _words ? first + k : first + k - _words;
                var missing = source[w] & ~receiver[w];
                while (missing != 0 && sent < limit)
                {
                    var bit = missing & (~missing + 1);
                    Interlocked.Or(ref Unsafe.Add(ref target, w), bit);
                    missing ^= bit;
                    sent++;
                }
            }

            return sent * BytesPerItem;
        }
    }
}
