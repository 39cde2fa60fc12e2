using System.Numerics;
using System.Runtime.Intrinsics.X86;

namespace GlobalBrain.Domain.Simulation;

/// <summary>
/// The rumor on the complete graph (any mode, any v) for up to <see cref="SimulationSpec.MaxCompactExperts"/>
/// experts: the informed set as two bitsets (this round's and the next, two bits per expert), experts
/// addressed by 64-bit ids, each round one streaming pass over ranges of a few thousand words on all
/// cores. It makes the same draws as <see cref="GossipSimulation"/> (<see cref="CounterRandom"/> of seed,
/// round, expert and draw) and applies them the same way — pushes and pulls read this round's set and
/// write the next — so its rounds are identical to the block engine's where both run, and independent of
/// the number of threads: the next set only ever gains bits (an atomic OR into its 64-bit word for a
/// push, whose target is anywhere), and the figures are sums of integers.
/// </summary>
public static class CompactRumorSimulation
{
    /// <summary>Words of each bitset a worker takes at a time: 32 KB, 262,144 experts, 64 blocks (one word of each summary).</summary>
    private const int RangeWords = 4_096;

    /// <summary>Experts of a summary block: 4,096 (64 words).</summary>
    private const int BlockShift = 12;

    private const int BlockWords = 64;

    /// <summary>Exchanges whose word is prefetched before any is read: enough to keep the memory busy.</summary>
    private const int Batch = 256;

    /// <summary>Runs <paramref name="spec"/> (which must be <see cref="SimulationSpec.IsCompact"/>), resuming from and saving to <paramref name="checkpoint"/> when given.</summary>
    public static SimulationResult Run(SimulationSpec spec, IProgress<RoundStats>? progress = null, CompactCheckpoint? checkpoint = null, CancellationToken cancellationToken = default) =>
        Run(spec, progress, checkpoint, -1, cancellationToken);

    /// <summary>Runs on at most <paramref name="threads"/> threads (−1: all cores); the result is the same for any count.</summary>
    internal static SimulationResult Run(SimulationSpec spec, IProgress<RoundStats>? progress, CompactCheckpoint? checkpoint, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        var n = spec.Experts;
        var words = (n + 63) / 64;
        ulong[] current;
        var rounds = new List<RoundStats>();
        if (checkpoint?.TryLoad(spec) is { } saved)
        {
            current = saved.Informed;
            rounds.AddRange(saved.Rounds);
        }
        else
        {
            current = new ulong[words];
            current[0] = 1; // the rumor starts at expert 0
            rounds.Add(GossipSimulation.Combine(spec, 0, [new BlockStats(0, 0, 1, null)], 1));
        }

        var next = GC.AllocateUninitializedArray<ulong>(current.Length);
        var ranges = (int)((current.LongLength + RangeWords - 1) / RangeWords);
        var summary = new Summary(new ulong[ranges], new ulong[ranges]);
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = threads };
        Count(n, current, summary, options);
        progress?.Report(rounds[^1]); // where the run starts (or resumes)

        var threshold = 1 - spec.Epsilon;
        int? covered = rounds.FirstOrDefault(r => r.MinReach >= threshold)?.Round;
        for (var round = rounds.Count; round <= spec.MaxRounds && !(spec.UntilConverged && covered is not null); round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (exchanges, bytes) = Round(spec, round, current, next, summary, options);
            (current, next) = (next, current);
            var informed = Count(n, current, summary, options);
            var roundStats = GossipSimulation.Combine(spec, round, [new BlockStats(exchanges, bytes, informed, null)], 1);
            rounds.Add(roundStats);
            checkpoint?.Save(spec, rounds, current);
            progress?.Report(roundStats);
            if (covered is null && roundStats.MinReach >= threshold)
            {
                covered = round;
            }
        }

        return new SimulationResult(spec, 1, Topology.CountEdges(spec.Topology, n), rounds, covered);
    }

    /// <summary>Bytes of state for N experts: the two bitsets (the summaries add 1/2048 of that).</summary>
    public static long StateBytes(long experts) => 2 * ((experts + 63) / 64) * sizeof(ulong);

    private static void Validate(SimulationSpec spec)
    {
        var errors = spec.Validate().ToList();
        if (!spec.IsCompact)
        {
            errors.Add("the compact engine runs the rumor on the complete graph only");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(spec));
        }
    }

    /// <summary>The informed count of <paramref name="state"/>, and its summary: which blocks of 4,096 experts are empty and which full.</summary>
    private static long Count(long n, ulong[] state, Summary summary, ParallelOptions options)
    {
        var lastWord = state.Length - 1;
        var lastMask = n % 64 == 0 ? ulong.MaxValue : (1UL << (int)(n % 64)) - 1;
        long informed = 0;
        Parallel.For(0, summary.Empty.Length, options, () => 0L, (r, _, count) =>
        {
            ulong empty = 0, full = 0;
            var first = r * RangeWords;
            var end = Math.Min(first + RangeWords, state.Length);
            for (var block = 0; block < 64 && first + (block * BlockWords) < end; block++)
            {
                ulong any = 0, all = ulong.MaxValue;
                var blockEnd = Math.Min(first + ((block + 1) * BlockWords), end);
                for (var w = first + (block * BlockWords); w < blockEnd; w++)
                {
                    var word = state[w];
                    count += BitOperations.PopCount(word);
                    any |= word;
                    all &= w == lastWord ? word | ~lastMask : word;
                }

                empty |= (any == 0 ? 1UL : 0) << block;
                full |= (all == ulong.MaxValue ? 1UL : 0) << block;
            }

            summary.Empty[r] = empty;
            summary.Full[r] = full;
            return count;
        }, count => Interlocked.Add(ref informed, count));
        return informed;
    }

    /// <summary>One round: next = current plus what this round's exchanges deliver; returns exchanges and bytes.</summary>
    private static (long Exchanges, long Bytes) Round(SimulationSpec spec, int round, ulong[] current, ulong[] next, Summary summary, ParallelOptions options)
    {
        var ranges = summary.Empty.Length;
        Parallel.For(0, ranges, options, r =>
        {
            var start = r * RangeWords;
            Array.Copy(current, start, next, start, Math.Min(RangeWords, current.Length - start));
        });

        long exchanges = 0, bytes = 0;
        if (spec.Experts >= 2)
        {
            var key = CounterRandom.RoundKey(spec.Seed, GossipSimulation.ExchangeStream, round);
            Parallel.For(
                0,
                ranges,
                options,
                () => new Tally(),
                (r, _, tally) =>
                {
                    RunRange(spec, key, r, current, next, summary, tally);
                    return tally;
                },
                tally =>
                {
                    Interlocked.Add(ref exchanges, tally.Exchanges);
                    Interlocked.Add(ref bytes, tally.Deliveries);
                });
        }

        return (exchanges, bytes * GossipSimulation.BytesPerItem);
    }

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

    /// <summary>Per block of <see cref="BlockWords"/> words, one bit each: no expert informed (empty), every expert informed (full).</summary>
    private sealed record Summary(ulong[] Empty, ulong[] Full);

    private sealed class Tally
    {
        public long Exchanges;
        public long Deliveries;
    }
}
