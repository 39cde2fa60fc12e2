using CsCheck;
using GlobalBrain.Domain.Knowledge;
using Xunit;

namespace GlobalBrain.Domain.Tests.Knowledge;

/// <summary>
/// The counting of experts under everything storage and the cluster do to it: writes that fail, writes
/// that time out and are applied all the same, versions that conflict, re-activations from storage,
/// gossip at any moment, batches retried at any moment (while their write is in flight, after it
/// failed, after a re-activation). The invariant: every acknowledged batch is counted exactly once;
/// one that was not acknowledged at most once; nobody counts more of an expert than its storage holds.
/// </summary>
public sealed class ExpertLedgerTests
{
    private const int Precision = 4;
    private static readonly long Now = new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    private static readonly Gen<Script> Scripts =
        Gen.Select(Gen.Int[2, 4], Gen.Int[1, 60], Gen.Int[1, 4], Gen.Int.Array[60], (experts, steps, segment, choices) => new Script(experts, steps, segment, choices));

    [Fact]
    public void AnyInterleaving_OfLearnFailTimeoutReactivateAndGossip_CountsAcknowledgedBatchesExactlyOnce()
    {
        // CsCheck prints the seed of a failing case; Sample(seed: "…") replays it.
        Scripts.Sample(script => script.Run(), iter: 10_000);
    }

    [Fact]
    public void Merge_NeverRaisesTheExpertsOwnTotals()
    {
        var ledger = Ledger(self: 1);
        var peer = KnowledgeShard.Empty(Precision).Learn(1, documents: 50, tokens: 500, []).Learn(2, documents: 3, tokens: 30, []);

        ledger.Merge(peer);

        Assert.Equal(default, ledger.Shard.TotalsOf(1));
        Assert.Equal(new OriginTotals(3, 30), ledger.Shard.TotalsOf(2));
    }

    [Fact]
    public void Gossip_SaysOfTheExpertOnlyWhatIsStored()
    {
        var ledger = Ledger(self: 0);
        var batch = Guid.NewGuid();
        ledger.Learn(batch, 2, 20, [1UL], Now);

        Assert.DoesNotContain(ledger.GossipShard().Origins, o => o.Origin == 0);
        Assert.Equal(LearnOutcome.Pending, ledger.Learn(batch, 2, 20, [1UL], Now));

        ledger.PrepareWrite(Now);
        ledger.Stored(ledger.Capture());

        Assert.Contains(ledger.GossipShard().Origins, o => o.Origin == 0 && o.Totals == new OriginTotals(2, 20));
        Assert.True(ledger.IsStored(batch));
        Assert.Equal(LearnOutcome.Stored, ledger.Learn(batch, 2, 20, [1UL], Now));
    }

    [Fact]
    public void ABatchLearnedAfterAnImageWasTaken_IsNotStoredByThatImage()
    {
        var ledger = Ledger(self: 0);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        ledger.Learn(first, 1, 1, [], Now);
        var image = ledger.Capture();
        ledger.Learn(second, 1, 1, [], Now);

        ledger.Stored(image);

        Assert.True(ledger.IsStored(first));
        Assert.False(ledger.IsStored(second));
        Assert.Equal(new OriginTotals(1, 1), ledger.StoredOwn);
        Assert.True(ledger.Dirty);
    }

    [Fact]
    public void Window_RemembersBatchesForItsLength_ThroughSealedSegments_ThenForgetsThem()
    {
        var window = new BatchWindow(TimeSpan.FromHours(24), segmentSize: 3);
        var ids = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToArray();
        var hour = TimeSpan.FromHours(1).Ticks;
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.True(window.Add(ids[i], Now + (i * hour)));
            foreach (var segment in window.Prepare(Now + (i * hour)))
            {
                segment.MarkPersisted("v1");
            }
        }

        Assert.Equal(3, window.Sealed.Count);
        Assert.All(ids, id => Assert.False(window.Add(id, Now + (10 * hour))));

        // 24 h after the third id, the first segment (ids 0–2) is forgotten; the rest is still known.
        window.Prepare(Now + (2 * hour) + TimeSpan.FromHours(24).Ticks + 1);
        Assert.Equal(2, window.Sealed.Count);
        Assert.Single(window.TakeExpired());
        Assert.All(ids[..3], id => Assert.False(window.Contains(id)));
        Assert.All(ids[3..], id => Assert.True(window.Contains(id)));
    }

    [Fact]
    public void Window_HoldsAMillionBatches_AndKnowsEveryOne()
    {
        var window = new BatchWindow(TimeSpan.FromHours(24), segmentSize: 1024);
        var ids = Enumerable.Range(0, 1_000_000).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var id in ids)
        {
            Assert.True(window.Add(id, Now));
            if (window.Prepare(Now) is { Count: > 0 } sealedNow)
            {
                sealedNow[0].MarkPersisted("v1");
            }
        }

        Assert.Equal(1_000_000, window.Count);
        Assert.All(ids, id => Assert.True(window.Contains(id)));
    }

    private static ExpertLedger Ledger(int self) => new(self, KnowledgeShard.Empty(Precision), new BatchWindow(TimeSpan.FromHours(24), 1024));

    /// <summary>A batch sent to one expert: its documents, tokens and items never change between attempts.</summary>
    private sealed record Batch(Guid Id, int Expert, int Documents, int Tokens, ulong[] Items);

    /// <summary>What storage holds for one expert: the state as the grain writes it, under a version (its sealed segments apart, by key).</summary>
    private sealed record Stored(int Version, byte[] Registers, KeyValuePair<int, OriginTotals>[] Origins, Guid[] OpenIds, (Guid Key, long Newest)[] Segments, Dictionary<Guid, Guid[]> SegmentStore)
    {
        public IEnumerable<Guid> BatchIds => OpenIds.Concat(Segments.SelectMany(s => SegmentStore[s.Key]));
    }

    private sealed class Expert(int id)
    {
        public int Id { get; } = id;

        public Stored? Storage { get; set; }

        /// <summary>Sealed segments, written before the state that names them (orphans included).</summary>
        public Dictionary<Guid, Guid[]> Segments { get; } = [];

        public ExpertLedger? Active { get; set; }

        /// <summary>The version of the state this activation read or last wrote (the ETag).</summary>
        public int KnownVersion { get; set; }
    }

    private sealed record Script(int ExpertCount, int Steps, int SegmentSize, int[] Choices)
    {
        private readonly List<Batch> _batches = [];
        private readonly HashSet<Guid> _acknowledged = [];
        private int _next;

        public void Run()
        {
            var experts = Enumerable.Range(0, ExpertCount).Select(i => new Expert(i)).ToArray();
            var random = new Random(HashCode.Combine(ExpertCount, Steps, SegmentSize, Choices.Aggregate(17, HashCode.Combine)));
            for (var step = 0; step < Steps; step++)
            {
                var choice = Choices[step % Choices.Length] & 0xFFFF;
                switch (choice % 6)
                {
                    case 0:
                    case 1:
                        Send(experts, NewOrRetried(random, experts.Length), Fate(random));
                        break;
                    case 2:
                        var from = experts[random.Next(experts.Length)];
                        var to = experts[random.Next(experts.Length)];
                        Gossip(from, to);
                        break;
                    case 3:
                        // Re-activation: sometimes after a last write (which may fail or time out too).
                        var expert = experts[random.Next(experts.Length)];
                        if (random.Next(2) == 0 && expert.Active is { Dirty: true })
                        {
                            Write(expert, Fate(random));
                        }

                        expert.Active = null;
                        break;
                    case 4:
                        Write(experts[random.Next(experts.Length)], Fate(random));
                        break;
                    default:
                        // A retry of an unacknowledged batch, which may find its write in flight or failed.
                        if (_batches.FirstOrDefault(b => !_acknowledged.Contains(b.Id)) is { } unacknowledged)
                        {
                            Send(experts, unacknowledged, Fate(random));
                        }

                        break;
                }

                Check(experts);
            }

            // The client resends everything unacknowledged until it is, and storage behaves.
            foreach (var batch in _batches.Where(b => !_acknowledged.Contains(b.Id)).ToList())
            {
                for (var attempt = 0; !_acknowledged.Contains(batch.Id); attempt++)
                {
                    Assert.True(attempt < 5, $"batch {batch.Id} was never acknowledged");
                    Send(experts, batch, WriteFate.Stored);
                }
            }

            Check(experts);
            foreach (var expert in experts)
            {
                var own = expert.Storage?.Origins.FirstOrDefault(o => o.Key == expert.Id).Value ?? default;
                var sent = _batches.Where(b => b.Expert == expert.Id).ToList();
                Assert.Equal(sent.Sum(b => (long)b.Documents), own.Documents);
                Assert.Equal(sent.Sum(b => (long)b.Tokens), own.Tokens);
            }
        }

        private Batch NewOrRetried(Random random, int experts)
        {
            if (_batches.Count > 0 && random.Next(3) == 0)
            {
                return _batches[random.Next(_batches.Count)];
            }

            var batch = new Batch(new Guid(_next, 0, 0, new byte[8]), random.Next(experts), random.Next(1, 5), random.Next(1, 50), [(ulong)random.NextInt64()]);
            _next++;
            _batches.Add(batch);
            return batch;
        }

        private static WriteFate Fate(Random random) => (WriteFate)random.Next(3);

        /// <summary>As ExpertGrain.LearnAsync: learn unless known, then acknowledge only after a stored write holds the batch.</summary>
        private void Send(Expert[] experts, Batch batch, WriteFate fate)
        {
            var expert = experts[batch.Expert];
            var ledger = Activate(expert);
            var outcome = ledger.Learn(batch.Id, batch.Documents, batch.Tokens, batch.Items, Now);
            if (outcome == LearnOutcome.Stored || (Write(expert, fate) && ledger.IsStored(batch.Id)))
            {
                _acknowledged.Add(batch.Id);
            }
        }

        /// <summary>As ExpertGrain's write: segments, image, conditional write; true when the activation saw it succeed.</summary>
        private static bool Write(Expert expert, WriteFate fate)
        {
            var ledger = Activate(expert);
            foreach (var segment in ledger.PrepareWrite(Now))
            {
                expert.Segments[segment.Key] = BatchSegment.FromBlob(segment.ToBlob());
                segment.MarkPersisted("v");
            }

            var image = ledger.Capture();
            var state = new Stored(
                expert.KnownVersion + 1,
                ledger.Shard.Items.ToRegisters(),
                [.. ledger.Shard.Origins.Select(o => KeyValuePair.Create(o.Origin, o.Totals))],
                BatchSegment.FromBlob(ledger.Window.OpenBlob()),
                [.. ledger.Window.Sealed.Select(s => (s.Key, s.NewestTicks))],
                expert.Segments);
            if ((expert.Storage?.Version ?? 0) != expert.KnownVersion)
            {
                // Storage moved on (a write that timed out was applied): the activation is stale and goes.
                expert.Active = null;
                return false;
            }

            switch (fate)
            {
                case WriteFate.Stored:
                    expert.Storage = state;
                    expert.KnownVersion = state.Version;
                    ledger.Stored(image);
                    return true;
                case WriteFate.TimedOutButApplied:
                    expert.Storage = state;
                    return false;
                default:
                    return false;
            }
        }

        /// <summary>Push of a snapshot, as peers see it.</summary>
        private static void Gossip(Expert from, Expert to)
        {
            var source = Activate(from);
            Activate(to).Merge(source.GossipShard());
        }

        private static ExpertLedger Activate(Expert expert)
        {
            if (expert.Active is { } active)
            {
                return active;
            }

            var stored = expert.Storage;
            var shard = stored is null ? KnowledgeShard.Empty(Precision) : KnowledgeShard.FromParts(HyperLogLog.FromRegisters(stored.Registers), stored.Origins);
            var window = new BatchWindow(TimeSpan.FromHours(24), 3);
            if (stored is not null)
            {
                window.LoadOpen(System.Runtime.InteropServices.MemoryMarshal.AsBytes(stored.OpenIds.AsSpan()), Now);
                foreach (var (key, newest) in stored.Segments)
                {
                    window.LoadSealed(key, newest, "v", stored.SegmentStore[key]);
                }
            }

            expert.KnownVersion = stored?.Version ?? 0;
            expert.Active = new ExpertLedger(expert.Id, shard, window);
            return expert.Active;
        }

        private void Check(Expert[] experts)
        {
            foreach (var owner in experts)
            {
                var stored = owner.Storage;
                var storedOwn = stored?.Origins.FirstOrDefault(o => o.Key == owner.Id).Value ?? default;
                var storedIds = stored?.BatchIds.ToHashSet() ?? [];

                // Storage counts exactly the batches whose ids it holds: no batch twice, none without its id.
                var counted = _batches.Where(b => b.Expert == owner.Id && storedIds.Contains(b.Id)).ToList();
                Assert.Equal(counted.Sum(b => (long)b.Documents), storedOwn.Documents);
                Assert.Equal(counted.Sum(b => (long)b.Tokens), storedOwn.Tokens);

                // Every acknowledged batch is stored.
                Assert.All(_batches.Where(b => b.Expert == owner.Id && _acknowledged.Contains(b.Id)), b => Assert.Contains(b.Id, storedIds));

                // Nobody — the expert's report, any peer, any stored state — counts more of it than its storage holds.
                if (owner.Active is { } ledger)
                {
                    Assert.True(ledger.StoredOwn.Documents <= storedOwn.Documents);
                }

                foreach (var other in experts.Where(e => e != owner))
                {
                    Assert.True((other.Active?.Shard.TotalsOf(owner.Id).Documents ?? 0) <= storedOwn.Documents);
                    Assert.True((other.Storage?.Origins.FirstOrDefault(o => o.Key == owner.Id).Value.Documents ?? 0) <= storedOwn.Documents);
                }
            }
        }
    }

    private enum WriteFate
    {
        Stored,
        Failed,
        TimedOutButApplied,
    }
}
