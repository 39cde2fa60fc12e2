using System.Numerics;
using System.Runtime.Intrinsics.X86;

namespace GlobalBrain.Domain.Simulation;

// The hot loop, apart from the run's bookkeeping: the exchanges of one range of words, on every core.
public static partial class CompactRumorSimulation
{
    /// <summary>
    /// The exchanges of the experts of one range of words, as <see cref="SimulationBlock.Exchange"/> makes them for
    /// the rumor. Per word, a first pass draws the peers and settles every exchange whose peer is in an empty or a
    /// full block of this round's set (no access to the bitsets: the summaries are 1/4,096 of their size), and
    /// prefetches the words the others need; a second pass reads and writes those words.
    /// </summary>
    private static unsafe void RunRange(SimulationSpec spec, ulong key, int range, ulong[] current, ulong[] next, Summary summary, Tally tally)
    {
        const int PullRead = 1 << 8;
        const int PushWrite = 1 << 9;
        var n = spec.Experts;
        var whole = (int)spec.FlowRate;
        var fraction = spec.FlowRate - whole;
        var push = spec.Mode != ExchangeMode.Pull;
        var pull = spec.Mode != ExchangeMode.Push;
        var emptyBlocks = summary.Empty;
        var fullBlocks = summary.Full;
        long exchanges = 0, deliveries = 0;
        Span<long> peers = stackalloc long[Batch];
        Span<int> tags = stackalloc int[Batch];
        Span<ulong> randoms = stackalloc ulong[64];
        Span<long> drawn = stackalloc long[64];
        var draws = whole + (fraction > 0 ? 1 : 0);
        var end = Math.Min((long)(range + 1) * RangeWords, current.LongLength);
        fixed (ulong* currentWords = current, nextWords = next)
        {
            for (long w = (long)range * RangeWords; w < end; w++)
            {
                var first = w * 64;
                var bits = (int)Math.Min(64, n - first);
                var held = current[w];
                if (!pull && held == 0 && fraction == 0)
                {
                    // Push by experts who know nothing delivers nothing: only their exchanges count.
                    exchanges += (long)whole * bits;
                    continue;
                }

                // Which experts start one exchange more than ⌊v⌋ (draw 0 of each expert).
                ulong more = 0;
                if (fraction > 0)
                {
                    CounterRandom.Next(key, first, 0, randoms[..bits]);
                    for (var b = 0; b < bits; b++)
                    {
                        more |= (CounterRandom.Unit(randoms[b]) < fraction ? 1UL : 0) << b;
                    }
                }

                exchanges += ((long)whole * bits) + BitOperations.PopCount(more);
                var valid = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
                var active = pull ? valid : held; // push alone: only those who know send anything
                ulong pulled = 0;
                var pending = 0;
                for (var draw = 0; draw < draws; draw++)
                {
                    var who = draw < whole ? active : active & more;
                    if (who == 0)
                    {
                        continue;
                    }

                    if (BitOperations.PopCount(who) >= 8)
                    {
                        // Many exchanges: all 64 peers drawn in vectors and looked up in the summaries without a
                        // branch; only those whose peer lies in a block neither empty nor full go on to the bitsets.
                        CounterRandom.CompletePeers(key, first, draw + 1, n, drawn[..bits]);
                        ulong inEmpty = 0, inFull = 0;
                        for (var b = 0; b < bits; b++)
                        {
                            var block = drawn[b] >> BlockShift;
                            var index = (int)(block >> 6);
                            var shift = (int)(block & 63);
                            inEmpty |= (emptyBlocks[index] >> shift & 1) << b;
                            inFull |= (fullBlocks[index] >> shift & 1) << b;
                        }

                        var pushers = push ? who & held : 0;
                        deliveries += BitOperations.PopCount(pushers);
                        var writes = pushers & ~inFull;
                        var reads = 0UL;
                        if (pull)
                        {
                            var fromFull = who & inFull;
                            pulled |= fromFull;
                            deliveries += BitOperations.PopCount(fromFull);
                            reads = who & ~inFull & ~inEmpty;
                        }

                        for (var rest = writes | reads; rest != 0; rest &= rest - 1)
                        {
                            var b = BitOperations.TrailingZeroCount(rest);
                            var peer = drawn[b];
                            var tag = b;
                            if ((writes >> b & 1) != 0)
                            {
                                tag |= PushWrite;
                                Prefetch(nextWords + (peer >> 6));
                            }

                            if ((reads >> b & 1) != 0)
                            {
                                tag |= PullRead;
                                Prefetch(currentWords + (peer >> 6));
                            }

                            peers[pending] = peer;
                            tags[pending] = tag;
                            if (++pending == Batch)
                            {
                                Apply(peers, tags, current, next, ref pulled, ref deliveries);
                                pending = 0;
                            }
                        }

                        continue;
                    }

                    for (; who != 0; who &= who - 1)
                    {
                        var b = BitOperations.TrailingZeroCount(who);
                        var expert = first + b;
                        var peer = Topology.CompletePeer(expert, n, CounterRandom.Next(key, expert, draw + 1));
                        var block = peer >> BlockShift;
                        var full = (fullBlocks[block >> 6] >> (int)(block & 63) & 1) != 0;
                        var tag = b;
                        if (push && (held >> b & 1) != 0)
                        {
                            deliveries++;
                            if (!full)
                            {
                                tag |= PushWrite;
                                Prefetch(nextWords + (peer >> 6));
                            }
                        }

                        if (pull)
                        {
                            if (full)
                            {
                                pulled |= 1UL << b;
                                deliveries++;
                            }
                            else if ((emptyBlocks[block >> 6] >> (int)(block & 63) & 1) == 0)
                            {
                                tag |= PullRead;
                                Prefetch(currentWords + (peer >> 6));
                            }
                        }

                        if (tag != b)
                        {
                            peers[pending] = peer;
                            tags[pending] = tag;
                            if (++pending == Batch)
                            {
                                Apply(peers, tags, current, next, ref pulled, ref deliveries);
                                pending = 0;
                            }
                        }
                    }
                }

                Apply(peers[..pending], tags[..pending], current, next, ref pulled, ref deliveries);
                if ((pulled & ~held) != 0)
                {
                    Interlocked.Or(ref next[w], pulled);
                }
            }
        }

        tally.Exchanges += exchanges;
        tally.Deliveries += deliveries;

        static void Apply(ReadOnlySpan<long> peers, ReadOnlySpan<int> tags, ulong[] current, ulong[] next, ref ulong pulled, ref long deliveries)
        {
            for (var i = 0; i < peers.Length; i++)
            {
                var peer = peers[i];
                var tag = tags[i];
                var mask = 1UL << (int)(peer & 63);
                if ((tag & PullRead) != 0)
                {
                    var informed = (current[peer >> 6] & mask) != 0 ? 1UL : 0;
                    pulled |= informed << (tag & 63);
                    deliveries += (long)informed;
                }

                if ((tag & PushWrite) != 0)
                {
                    ref var target = ref next[peer >> 6];
                    if ((Volatile.Read(ref target) & mask) == 0)
                    {
                        Interlocked.Or(ref target, mask);
                    }
                }
            }
        }
    }

    private static unsafe void Prefetch(ulong* address)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(address);
        }
    }
}
