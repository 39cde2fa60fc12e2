using System.Numerics;

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
public static partial class CompactRumorSimulation
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
            if (spec.Churn > 0)
            {
                Churn(spec, round, current, options);
            }

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

        if (spec.Clock != SimulationClock.Rounds)
        {
            errors.Add($"the compact engine runs synchronous rounds only (got --clock {spec.Clock.Name()}); the asynchronous clocks run in AsyncRumorSimulation");
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

    /// <summary>The end of round <paramref name="round"/>: experts replaced by uninformed joiners, each with probability R (<see cref="GossipSimulation.AfterChurn"/>).</summary>
    private static void Churn(SimulationSpec spec, int round, ulong[] state, ParallelOptions options)
    {
        var key = CounterRandom.RoundKey(spec.Seed, GossipSimulation.ChurnStream, round);
        var n = spec.Experts;
        Parallel.For(0, (int)((state.LongLength + RangeWords - 1) / RangeWords), options, r =>
        {
            Span<ulong> randoms = stackalloc ulong[64];
            var end = Math.Min((long)(r + 1) * RangeWords, state.LongLength);
            for (long w = (long)r * RangeWords; w < end; w++)
            {
                state[w] = GossipSimulation.AfterChurn(key, spec.Churn, w * 64, (int)Math.Min(64, n - (w * 64)), state[w], randoms);
            }
        });
    }

    /// <summary>Per block of <see cref="BlockWords"/> words, one bit each: no expert informed (empty), every expert informed (full).</summary>
    private sealed record Summary(ulong[] Empty, ulong[] Full);

    private sealed class Tally
    {
        public long Exchanges;
        public long Deliveries;
    }
}
