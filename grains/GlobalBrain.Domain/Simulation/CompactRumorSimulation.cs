using System.Numerics;
using System.Runtime.InteropServices;

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
    /// <summary>Words of each bitset a worker takes at a time: 32 KB, 262,144 experts.</summary>
    private const int RangeWords = 4_096;

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
        progress?.Report(rounds[^1]); // where the run starts (or resumes)

        var threshold = 1 - spec.Epsilon;
        int? covered = rounds.FirstOrDefault(r => r.MinReach >= threshold)?.Round;
        for (var round = rounds.Count; round <= spec.MaxRounds && !(spec.UntilConverged && covered is not null); round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (exchanges, bytes, informed) = Round(spec, round, current, next, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = threads });
            (current, next) = (next, current);
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

    /// <summary>Bytes of state for N experts: the two bitsets.</summary>
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

    /// <summary>One round: next = current plus what this round's exchanges deliver; returns exchanges, bytes and the informed count of next.</summary>
    private static (long Exchanges, long Bytes, long Informed) Round(SimulationSpec spec, int round, ulong[] current, ulong[] next, ParallelOptions options)
    {
        var n = spec.Experts;
        var ranges = (int)((current.LongLength + RangeWords - 1) / RangeWords);
        Parallel.For(0, ranges, options, r =>
        {
            var start = r * RangeWords;
            Array.Copy(current, start, next, start, Math.Min(RangeWords, current.Length - start));
        });

        long exchanges = 0, bytes = 0;
        if (n >= 2)
        {
            var key = CounterRandom.RoundKey(spec.Seed, GossipSimulation.ExchangeStream, round);
            Parallel.For(
                0,
                ranges,
                options,
                () => new Tally(),
                (r, _, tally) =>
                {
                    RunRange(spec, key, r, current, next, tally);
                    return tally;
                },
                tally =>
                {
                    Interlocked.Add(ref exchanges, tally.Exchanges);
                    Interlocked.Add(ref bytes, tally.Deliveries);
                });
        }

        long informed = 0;
        Parallel.For(0, ranges, options, () => 0L, (r, _, count) =>
        {
            foreach (var word in next.AsSpan(r * RangeWords, Math.Min(RangeWords, next.Length - (r * RangeWords))))
            {
                count += BitOperations.PopCount(word);
            }

            return count;
        }, count => Interlocked.Add(ref informed, count));
        return (exchanges, bytes * GossipSimulation.BytesPerItem, informed);
    }

    /// <summary>The exchanges of the experts of one range of words, as <see cref="SimulationBlock.Exchange"/> makes them for the rumor.</summary>
    private static void RunRange(SimulationSpec spec, ulong key, int range, ulong[] current, ulong[] next, Tally tally)
    {
        var n = spec.Experts;
        var whole = (int)spec.FlowRate;
        var fraction = spec.FlowRate - whole;
        var push = spec.Mode != ExchangeMode.Pull;
        var pull = spec.Mode != ExchangeMode.Push;
        long exchanges = 0, deliveries = 0;
        var end = Math.Min((long)(range + 1) * RangeWords, current.LongLength);
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

            ulong pulled = 0;
            for (var b = 0; b < bits; b++)
            {
                var expert = first + b;
                var count = fraction > 0 && CounterRandom.Unit(CounterRandom.Next(key, expert, 0)) < fraction ? whole + 1 : whole;
                exchanges += count;
                var holds = (held >> b & 1) != 0;
                if (!pull && !holds)
                {
                    continue;
                }

                for (var draw = 0; draw < count; draw++)
                {
                    var peer = Topology.CompletePeer(expert, n, CounterRandom.Next(key, expert, draw + 1));
                    if (push && holds)
                    {
                        var bit = 1UL << (int)(peer & 63);
                        ref var target = ref next[peer >> 6];
                        if ((Volatile.Read(ref target) & bit) == 0)
                        {
                            Interlocked.Or(ref target, bit);
                        }

                        deliveries++;
                    }

                    if (pull && (current[peer >> 6] >> (int)(peer & 63) & 1) != 0)
                    {
                        pulled |= 1UL << b;
                        deliveries++;
                    }
                }
            }

            if ((pulled & ~held) != 0)
            {
                Interlocked.Or(ref next[w], pulled);
            }
        }

        tally.Exchanges += exchanges;
        tally.Deliveries += deliveries;
    }

    private sealed class Tally
    {
        public long Exchanges;
        public long Deliveries;
    }
}

/// <summary>
/// Where a long compact run saves its state after every round (the informed set and the rounds so far),
/// so that an interrupted run resumes where it stopped and ends with the same rounds as one that was not.
/// The file is replaced atomically (written beside it, then renamed); it fits only the N, v, mode and
/// seed it was written for.
/// </summary>
public sealed class CompactCheckpoint(string path)
{
    private const string Magic = "GlobalBrain.CompactRumor/1";

    public string Path { get; } = path;

    /// <summary>The saved state, or null when there is no file yet; throws <see cref="InvalidDataException"/> when the file is not one for <paramref name="spec"/>.</summary>
    public SavedState? TryLoad(SimulationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!File.Exists(Path))
        {
            return null;
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var reader = new BinaryReader(stream);
        string magic;
        try
        {
            magic = reader.ReadString();
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException)
        {
            throw new InvalidDataException($"'{Path}' is not a simulate checkpoint", e);
        }

        if (magic != Magic)
        {
            throw new InvalidDataException($"'{Path}' is not a simulate checkpoint");
        }

        var (experts, flowRate, mode, seed) = (reader.ReadInt64(), reader.ReadDouble(), (ExchangeMode)reader.ReadInt32(), reader.ReadUInt64());
        if (experts != spec.Experts || BitConverter.DoubleToInt64Bits(flowRate) != BitConverter.DoubleToInt64Bits(spec.FlowRate) || mode != spec.Mode || seed != spec.Seed)
        {
            throw new InvalidDataException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"'{Path}' is the checkpoint of another run (N = {experts}, v = {flowRate:R}, {mode switch { ExchangeMode.Push => "push", ExchangeMode.Pull => "pull", _ => "push-pull" }}, seed {seed}); resume with those options or give another --checkpoint file"));
        }

        var count = reader.ReadInt32();
        var rounds = new List<RoundStats>(count);
        for (var i = 0; i < count; i++)
        {
            rounds.Add(new RoundStats(reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt64(), reader.ReadInt64()));
        }

        var informed = GC.AllocateUninitializedArray<ulong>(checked((int)((experts + 63) / 64)));
        stream.ReadExactly(MemoryMarshal.AsBytes(informed.AsSpan()));
        return new SavedState(rounds, informed);
    }

    /// <summary>Replaces the file with the state after the last of <paramref name="rounds"/>.</summary>
    public void Save(SimulationSpec spec, IReadOnlyList<RoundStats> rounds, ulong[] informed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(rounds);
        ArgumentNullException.ThrowIfNull(informed);
        var temporary = Path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            using var writer = new BinaryWriter(stream);
            writer.Write(Magic);
            writer.Write(spec.Experts);
            writer.Write(spec.FlowRate);
            writer.Write((int)spec.Mode);
            writer.Write(spec.Seed);
            writer.Write(rounds.Count);
            foreach (var r in rounds)
            {
                writer.Write(r.Round);
                writer.Write(r.MeanReach);
                writer.Write(r.MinReach);
                writer.Write(r.P50Reach);
                writer.Write(r.StdReach);
                writer.Write(r.CollectiveIntelligence);
                writer.Write(r.Exchanges);
                writer.Write(r.BytesExchanged);
            }

            writer.Flush();
            stream.Write(MemoryMarshal.AsBytes(informed.AsSpan()));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>A run's state after its last saved round.</summary>
    public sealed record SavedState(IReadOnlyList<RoundStats> Rounds, ulong[] Informed);
}
