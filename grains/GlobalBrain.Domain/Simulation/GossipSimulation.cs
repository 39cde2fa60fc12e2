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

/// <summary>
/// A finished run: the per-round states and the first round in which min reach ≥ 1 − ε (null if none). With an
/// asynchronous clock a "round" is a period of 1/v seconds (round k is the state at t = k/v) and
/// <paramref name="Times"/> holds when the thresholds were crossed, to the tick.
/// </summary>
public sealed record SimulationResult(SimulationSpec Spec, long DistinctItems, Int128 TopologyEdges, IReadOnlyList<RoundStats> Rounds, int? RoundsToFullCoverage, ReachTimes? Times = null);

/// <summary>When, in seconds from the start, mean reach first reached 99% and min reach 1 − ε (null: not within the run).</summary>
public sealed record ReachTimes(double? To99, double? ToFullCoverage)
{
    /// <summary>The mean reach of <see cref="To99"/>.</summary>
    public const double Reach99 = 0.99;
}

/// <summary>
/// Synchronous gossip rounds (DESIGN.md, "simulate"): in round r every expert starts ⌊v⌋ exchanges, plus
/// one with probability v − ⌊v⌋, each with a neighbour it picks; every exchange of the round reads the
/// state at the start of the round and what it delivers lands in the next state, so the result does not
/// depend on the order exchanges run in. Every random choice is <see cref="CounterRandom"/> of
/// (seed, round, expert, draw), so the same spec gives the same rounds on any partitioning into
/// <see cref="SimulationBlock"/>s — in this process on all cores (<see cref="Run"/>), or in block grains
/// spread over silos — and any core count.
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

    internal const ulong ExchangeStream = 0x65786368616E6765UL; // "exchange"

    /// <summary>Draws of synchronous churn: expert e leaves at the end of round r when draw 0 of (seed, round r, e) is below R.</summary>
    internal const ulong ChurnStream = 0x726F756E64636875UL; // "roundchu"

    /// <summary>Runs the whole simulation in this process, its blocks on all cores.</summary>
    /// <param name="corpus">The corpus scenario's items per expert (<see cref="ItemAssignment.FromDocuments"/>).</param>
    public static SimulationResult Run(SimulationSpec spec, IProgress<RoundStats>? progress = null, ItemAssignment? corpus = null, CancellationToken cancellationToken = default) =>
        Run(spec, Environment.ProcessorCount * 4, progress, corpus, cancellationToken);

    /// <summary>Runs in about <paramref name="blockCount"/> blocks (the result is the same for any count).</summary>
    internal static SimulationResult Run(SimulationSpec spec, int blockCount, IProgress<RoundStats>? progress, ItemAssignment? corpus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var distinct = Validate(spec, corpus);

        var experts = (int)spec.Experts; // Validate keeps the block engine to MaxExperts
        var topology = Topology.Build(spec.Topology, experts, spec.Seed);
        var size = BlockSize(experts, blockCount);
        var blocks = new SimulationBlock[(experts + size - 1) / size];
        for (var b = 0; b < blocks.Length; b++)
        {
            var start = b * size;
            var end = Math.Min(experts, (b + 1) * size);
            blocks[b] = new SimulationBlock(spec, topology, b, start, end, e => e / size, corpus?.Slice(start, end));
        }

        var rounds = new List<RoundStats> { Combine(spec, 0, [.. blocks.Select(b => b.Initial())], distinct) };
        progress?.Report(rounds[0]);
        var threshold = 1 - spec.Epsilon;
        int? covered = rounds[0].MinReach >= threshold ? 0 : null;
        for (var round = 1; round <= spec.MaxRounds && !(spec.UntilConverged && covered is not null); round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outboxes = new BlockOutbox[blocks.Length];
            Parallel.For(0, blocks.Length, b => outboxes[b] = blocks[b].Exchange(round));
            var answers = new IReadOnlyDictionary<int, RowBatch>[blocks.Length];
            Parallel.For(0, blocks.Length, t => answers[t] = blocks[t].Serve(
                outboxes.Where(o => o.Deliveries.ContainsKey(t)).Select(o => o.Deliveries[t]),
                outboxes.Where(o => o.Requests.ContainsKey(t)).Select(o => o.Requests[t])));
            var stats = new BlockStats[blocks.Length];
            Parallel.For(0, blocks.Length, b =>
            {
                blocks[b].Receive(answers.Where(a => a.ContainsKey(b)).Select(a => a[b]));
                stats[b] = blocks[b].Finish();
            });

            var roundStats = Combine(spec, round, stats, distinct);
            rounds.Add(roundStats);
            progress?.Report(roundStats);
            if (covered is null && roundStats.MinReach >= threshold)
            {
                covered = round;
            }
        }

        return new SimulationResult(spec, distinct, topology.Edges, rounds, covered);
    }

    /// <summary>Experts per block for about <paramref name="blocks"/> blocks: a multiple of 64 (rumor blocks hold whole words).</summary>
    public static int BlockSize(int experts, int blocks) =>
        (int)Math.Max(64, ((((long)experts + blocks - 1) / blocks) + 63) / 64 * 64);

    /// <summary>
    /// Checks that <paramref name="spec"/> can run (with <paramref name="corpus"/> for the corpus scenario)
    /// and returns I: one item for the rumor, N · k for items, the documents' distinct items for corpus.
    /// Throws <see cref="ArgumentException"/> listing every problem.
    /// </summary>
    public static long Validate(SimulationSpec spec, ItemAssignment? corpus)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = spec.Validate().ToList();
        if (errors.Count == 0 && spec.Experts > SimulationSpec.MaxExperts)
        {
            errors.Add($"the block engine holds at most {SimulationSpec.MaxExperts:N0} experts (got {spec.Experts}); larger rumor runs on the complete graph go to CompactRumorSimulation");
        }

        if (spec.Clock != SimulationClock.Rounds)
        {
            errors.Add($"the block engine runs synchronous rounds only (got --clock {spec.Clock.Name()}); the asynchronous clocks run in AsyncRumorSimulation");
        }

        long distinct = spec.Scenario switch
        {
            ScenarioKind.Rumor => 1,
            ScenarioKind.Items => (long)spec.Experts * spec.ItemsPerExpert,
            _ => corpus?.DistinctItems ?? 0,
        };
        if (spec.Scenario == ScenarioKind.Corpus)
        {
            if (corpus is null || corpus.Experts != spec.Experts)
            {
                errors.Add("the corpus scenario needs the documents' items spread over the N experts (--docs PATH)");
            }
            else if (spec.CheckItemMemory(distinct) is { } memory)
            {
                errors.Add(memory);
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(spec));
        }

        return distinct;
    }

    /// <summary>A round's figures from every block's share, in block order.</summary>
    public static RoundStats Combine(SimulationSpec spec, int round, IReadOnlyList<BlockStats> blocks, long distinctItems)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(blocks);
        long exchanges = 0, bytes = 0, informed = 0;
        foreach (var block in blocks)
        {
            exchanges += block.Exchanges;
            bytes += block.Bytes;
            informed += block.Informed;
        }

        if (spec.Scenario == ScenarioKind.Rumor)
        {
            // Reach is 1 for an informed expert and 0 otherwise; sorted, the zeros come first.
            var n = spec.Experts;
            var p = (double)informed / n;
            var uninformed = n - informed;
            double At(long index) => index >= uninformed ? 1 : 0;
            var median = n % 2 == 1 ? At(n / 2) : (At((n / 2) - 1) + At(n / 2)) / 2;
            return new RoundStats(round, p, informed == n ? 1 : 0, median, Math.Sqrt(p * (1 - p)), informed, exchanges, bytes);
        }

        var known = blocks.SelectMany(b => b.Known!).ToArray();
        var summary = ReachSummary.Compute(known, distinctItems);
        return new RoundStats(round, summary.MeanReach, summary.MinReach, summary.MedianReach, summary.StdReach, summary.CollectiveIntelligence, exchanges, bytes);
    }

    /// <summary>How many exchanges an expert starts this round: ⌊v⌋, plus one with probability v − ⌊v⌋.</summary>
    internal static int ExchangesOf(SimulationSpec spec, int round, long expert)
    {
        var whole = (int)spec.FlowRate;
        var fraction = spec.FlowRate - whole;
        return fraction > 0 && CounterRandom.Unit(CounterRandom.Next(spec.Seed, ExchangeStream, round, expert, 0)) < fraction ? whole + 1 : whole;
    }

    /// <summary>
    /// Synchronous churn at the end of round <paramref name="round"/>: of the experts <paramref name="firstExpert"/>,
    /// <paramref name="firstExpert"/> + 1, … whose bits <paramref name="word"/> holds, those that leave (each with
    /// probability R, drawn from (seed, round, expert)) are replaced by uninformed joiners: their bits cleared. Only
    /// informed experts are drawn for — a joiner in place of an uninformed expert changes nothing.
    /// </summary>
    internal static ulong AfterChurn(ulong churnKey, double churn, long firstExpert, int bits, ulong word, Span<ulong> randoms)
    {
        if (word == 0)
        {
            return 0;
        }

        CounterRandom.Next(churnKey, firstExpert, 0, randoms[..bits]);
        ulong leave = 0;
        for (var b = 0; b < bits; b++)
        {
            leave |= (CounterRandom.Unit(randoms[b]) < churn ? 1UL : 0) << b;
        }

        return word & ~leave;
    }

    internal static ulong PeerRandom(SimulationSpec spec, int round, long expert, int exchange) =>
        CounterRandom.Next(spec.Seed, ExchangeStream, round, expert, exchange + 1);
}
