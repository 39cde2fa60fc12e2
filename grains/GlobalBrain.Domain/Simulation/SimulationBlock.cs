using System.Numerics;
using System.Runtime.CompilerServices;

namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// A contiguous range of experts [Start, End) with their knowledge, the unit that a simulation spreads
/// over cores (in-process) or over block grains (on a cluster). A round is three phases, each reading
/// only the state at the start of the round and writing only the next state, so the result does not
/// depend on the number of blocks, their placement or the order of messages:
/// <list type="number">
/// <item><see cref="Exchange"/>: every local expert starts its exchanges; what stays inside the block is applied
/// at once, pushes to other blocks leave as <see cref="RowBatch"/>es and pulls from them as <see cref="PullBatch"/>es;</item>
/// <item><see cref="Serve"/>: a block applies the rows pushed to it and answers the pulls it holds the peers of;</item>
/// <item><see cref="Receive"/>: a block applies the answers to its pulls; then <see cref="Finish"/> makes next current.</item>
/// </list>
/// </summary>
public sealed class SimulationBlock
{
    private const ulong CapStream = 0x636170UL; // "cap"
    private readonly SimulationSpec _spec;
    private readonly Topology _topology;
    private readonly Func<int, int> _blockOf;
    private readonly bool _rumor;
    private readonly int _words; // per expert (items); 0 for the rumor (its messages carry no row)
    private ulong[] _current;
    private ulong[] _next;
    private long _exchanges;
    private long _bytes;
    private int _round;

    /// <param name="blockOf">Which block holds an expert (the same function on every block).</param>
    /// <param name="initial">The corpus scenario: this block's experts' items at round 0 (rows [0, End − Start)).</param>
    public SimulationBlock(SimulationSpec spec, Topology topology, int index, int start, int end, Func<int, int> blockOf, ItemAssignment? initial = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(blockOf);
        if (spec.Scenario == ScenarioKind.Rumor && start % 64 != 0)
        {
            throw new ArgumentException($"a rumor block must start at a multiple of 64 (got {start})", nameof(start));
        }

        _spec = spec;
        _topology = topology;
        _blockOf = blockOf;
        Index = index;
        Start = start;
        End = end;
        _rumor = spec.Scenario == ScenarioKind.Rumor;
        _current = BlockInitialState.Rows(spec, start, end, initial, out _words);
        _next = new ulong[_current.LongLength];
    }

    public int Index { get; }

    public int Start { get; }

    public int End { get; }

    /// <summary>Words of one expert's row in messages (the rumor: none).</summary>
    public int RowWords => _words;

    /// <summary>Phase 1 of <paramref name="round"/>: local exchanges applied, the rest addressed to other blocks.</summary>
    public BlockOutbox Exchange(int round)
    {
        _round = round;
        _exchanges = 0;
        _bytes = 0;
        Array.Copy(_current, _next, _current.LongLength);
        var deliveries = new Dictionary<int, RowBatchBuilder>();
        var requests = new Dictionary<int, PullBatchBuilder>();
        for (var i = Start; i < End; i++)
        {
            var count = GossipSimulation.ExchangesOf(_spec, round, i);
            for (var draw = 0; draw < count; draw++)
            {
                var peer = _topology.Peer(i, GossipSimulation.PeerRandom(_spec, round, i, draw));
                if (peer < 0)
                {
                    continue;
                }

                _exchanges++;
                var local = peer >= Start && peer < End;
                if (_spec.Mode != ExchangeMode.Pull && Holds(i))
                {
                    if (local)
                    {
                        Apply(peer, i, draw, CurrentRow(i));
                    }
                    else
                    {
                        var target = _blockOf(peer);
                        if (!deliveries.TryGetValue(target, out var batch))
                        {
                            deliveries[target] = batch = new RowBatchBuilder(_words);
                        }

                        batch.Add(peer, i, draw, CurrentRow(i));
                    }
                }

                if (_spec.Mode != ExchangeMode.Push)
                {
                    if (local)
                    {
                        if (Holds(peer))
                        {
                            Apply(i, peer, draw, CurrentRow(peer));
                        }
                    }
                    else
                    {
                        var target = _blockOf(peer);
                        if (!requests.TryGetValue(target, out var batch))
                        {
                            requests[target] = batch = new PullBatchBuilder();
                        }

                        batch.Add(peer, i, draw);
                    }
                }
            }
        }

        return new BlockOutbox(
            deliveries.ToDictionary(d => d.Key, d => d.Value.Build()),
            requests.ToDictionary(r => r.Key, r => r.Value.Build()));
    }

    /// <summary>Phase 2: applies rows pushed here, and answers pulls of local experts' rows, by requesting block.</summary>
    public IReadOnlyDictionary<int, RowBatch> Serve(IEnumerable<RowBatch> deliveries, IEnumerable<PullBatch> requests)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        ArgumentNullException.ThrowIfNull(requests);
        Receive(deliveries);
        var answers = new Dictionary<int, RowBatchBuilder>();
        foreach (var batch in requests)
        {
            for (var k = 0; k < batch.Count; k++)
            {
                var of = batch.Of[k];
                if (!Holds(of))
                {
                    continue; // an empty row changes nothing and carries no item
                }

                var target = _blockOf(batch.For[k]);
                if (!answers.TryGetValue(target, out var answer))
                {
                    answers[target] = answer = new RowBatchBuilder(_words);
                }

                answer.Add(batch.For[k], of, batch.Draw[k], CurrentRow(of));
            }
        }

        return answers.ToDictionary(a => a.Key, a => a.Value.Build());
    }

    /// <summary>Phase 3 (and part of 2): applies rows sent to local experts.</summary>
    public void Receive(IEnumerable<RowBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        foreach (var batch in batches)
        {
            for (var k = 0; k < batch.Count; k++)
            {
                Apply(batch.To[k], batch.From[k], batch.Draw[k], batch.Rows.AsSpan(k * batch.RowWords, batch.RowWords));
            }
        }
    }

    /// <summary>Ends the round: next becomes current; returns the block's figures.</summary>
    public BlockStats Finish()
    {
        (_current, _next) = (_next, _current);
        if (_rumor)
        {
            if (_spec.Churn > 0)
            {
                // The block starts at a multiple of 64: word w holds experts Start + 64w, ….
                var key = CounterRandom.RoundKey(_spec.Seed, GossipSimulation.ChurnStream, _round);
                Span<ulong> randoms = stackalloc ulong[64];
                for (var w = 0; w < _current.Length; w++)
                {
                    var first = Start + (w * 64);
                    _current[w] = GossipSimulation.AfterChurn(key, _spec.Churn, first, Math.Min(64, End - first), _current[w], randoms);
                }
            }

            long informed = 0;
            foreach (var word in _current)
            {
                informed += BitOperations.PopCount(word);
            }

            return new BlockStats(_exchanges, _bytes, informed, null);
        }

        return new BlockStats(_exchanges, _bytes, 0, Known());
    }

    /// <summary>Figures of the state before any round (round 0).</summary>
    public BlockStats Initial() => _rumor
        ? new BlockStats(0, 0, Start == 0 && End > 0 ? 1 : 0, null)
        : new BlockStats(0, 0, 0, Known());

    private double[] Known()
    {
        var known = new double[End - Start];
        for (var e = 0; e < known.Length; e++)
        {
            long count = 0;
            foreach (var word in _current.AsSpan(e * _words, _words))
            {
                count += BitOperations.PopCount(word);
            }

            known[e] = count;
        }

        return known;
    }

    private bool Holds(int expert)
    {
        var local = expert - Start;
        if (_rumor)
        {
            return (_current[local >> 6] & (1UL << (local & 63))) != 0;
        }

        foreach (var word in _current.AsSpan(local * _words, _words))
        {
            if (word != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The expert's row at the start of the round (empty for the rumor: only holders send).</summary>
    private ReadOnlySpan<ulong> CurrentRow(int expert) =>
        _rumor ? ReadOnlySpan<ulong>.Empty : _current.AsSpan((expert - Start) * _words, _words);

    /// <summary>
    /// Delivers <paramref name="row"/> (the sender's knowledge at the start of the round) to local expert
    /// <paramref name="to"/>: all of it, or, with an exchange cap, at most c items it lacked at the start of
    /// the round, scanning from a random word so that no item range is favoured. Counts the bytes carried.
    /// </summary>
    private void Apply(int to, int from, int draw, ReadOnlySpan<ulong> row)
    {
        var local = to - Start;
        if (_rumor)
        {
            _next[local >> 6] |= 1UL << (local & 63);
            _bytes += GossipSimulation.BytesPerItem;
            return;
        }

        var target = _next.AsSpan(local * _words, _words);
        long sent = 0;
        if (_spec.ExchangeCap is not { } limit)
        {
            for (var w = 0; w < _words; w++)
            {
                target[w] |= row[w];
                sent += BitOperations.PopCount(row[w]);
            }
        }
        else
        {
            var receiver = _current.AsSpan(local * _words, _words);
            var random = CounterRandom.Next(_spec.Seed, CapStream, _round, ((long)from * _spec.Experts) + to, draw);
            var first = CounterRandom.Below(random, _words);
            for (var k = 0; k < _words && sent < limit; k++)
            {
                var w = first + k < _words ? first + k : first + k - _words;
                var missing = row[w] & ~receiver[w];
                while (missing != 0 && sent < limit)
                {
                    var bit = missing & (~missing + 1);
                    target[w] |= bit;
                    missing ^= bit;
                    sent++;
                }
            }
        }

        _bytes += sent * GossipSimulation.BytesPerItem;
    }
}
