using CsCheck;
using GlobalBrain.Domain.Knowledge;
using Xunit;

namespace GlobalBrain.Domain.Tests.Knowledge;

public sealed class KnowledgeShardTests
{
    private const long Iterations = 1_000;

    private static readonly Gen<(ShardParts A, ShardParts B)> Pairs =
        Gen.Int[4, 8].SelectMany(p => Gen.Select(ShardParts.Gen(p), ShardParts.Gen(p)));

    private static readonly Gen<(ShardParts A, ShardParts B, ShardParts C)> Triples =
        Gen.Int[4, 8].SelectMany(p => Gen.Select(ShardParts.Gen(p), ShardParts.Gen(p), ShardParts.Gen(p)));

    [Fact]
    public void Merge_IsCommutative()
    {
        Pairs.Sample((a, b) =>
        {
            var ab = a.Build();
            ab.Merge(b.Build());
            var ba = b.Build();
            ba.Merge(a.Build());

            Assert.True(ab.ContentEquals(ba));
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_IsAssociative()
    {
        Triples.Sample((a, b, c) =>
        {
            var left = a.Build();
            left.Merge(b.Build());
            left.Merge(c.Build());

            var bc = b.Build();
            bc.Merge(c.Build());
            var right = a.Build();
            right.Merge(bc);

            Assert.True(left.ContentEquals(right));
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_IsIdempotent()
    {
        Pairs.Sample((a, b) =>
        {
            var self = a.Build();
            Assert.False(self.Merge(a.Build()));
            Assert.False(self.Merge(self));
            Assert.True(self.ContentEquals(a.Build()));

            var ab = a.Build();
            ab.Merge(b.Build());
            var once = ab.Clone();
            Assert.False(ab.Merge(b.Build()));
            Assert.False(ab.Merge(a.Build()));
            Assert.True(ab.ContentEquals(once));
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_ResultIsTheLeastUpperBoundOfBothInputs()
    {
        Pairs.Sample((a, b) =>
        {
            var left = a.Build();
            var right = b.Build();
            var joined = left.Clone();
            joined.Merge(right);

            for (var i = 0; i < joined.Items.RegisterCount; i++)
            {
                Assert.Equal(Math.Max(left.Items.Registers[i], right.Items.Registers[i]), joined.Items.Registers[i]);
            }

            var origins = left.Origins.Keys.Union(right.Origins.Keys).ToHashSet();
            Assert.Equal(origins, joined.Origins.Keys.ToHashSet());
            foreach (var origin in origins)
            {
                var mine = left.TotalsOf(origin);
                var theirs = right.TotalsOf(origin);
                var totals = joined.TotalsOf(origin);
                Assert.Equal(Math.Max(mine.Documents, theirs.Documents), totals.Documents);
                Assert.Equal(Math.Max(mine.Tokens, theirs.Tokens), totals.Tokens);
            }

            Assert.True(joined.KnowledgeEstimate >= left.KnowledgeEstimate);
            Assert.True(joined.KnowledgeEstimate >= right.KnowledgeEstimate);
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_ReportsAChangeExactlyWhenTheStateChanged()
    {
        Pairs.Sample((a, b) =>
        {
            var shard = a.Build();

            var changed = shard.Merge(b.Build());

            Assert.Equal(!shard.ContentEquals(a.Build()), changed);
        }, iter: Iterations);
    }

    [Fact]
    public void ContentEquals_DetectsAnyDifference()
    {
        var gen = Gen.Int[4, 8].SelectMany(p => Gen.Select(ShardParts.Gen(p), Gen.Int[0, (1 << p) - 1], Gen.Int[0, 9]));
        gen.Sample((parts, register, origin) =>
        {
            var original = parts.Build();
            Assert.True(original.ContentEquals(original.Clone()));

            var registerChanged = original.Clone();
            ref var r = ref registerChanged.Items.Registers[register];
            r = r == 0 ? (byte)1 : (byte)(r - 1);
            Assert.False(original.ContentEquals(registerChanged));
            Assert.False(registerChanged.ContentEquals(original));

            var documentsChanged = original.Clone();
            documentsChanged.Learn(origin, 1, 0, []);
            Assert.False(original.ContentEquals(documentsChanged));
            Assert.False(documentsChanged.ContentEquals(original));

            var tokensChanged = original.Clone();
            tokensChanged.Learn(origin, 0, 1, []);
            Assert.False(original.ContentEquals(tokensChanged));

            // A new origin with zero totals is still a difference: it is a different key set.
            if (!original.Origins.ContainsKey(origin))
            {
                var originAdded = original.Clone();
                originAdded.Learn(origin, 0, 0, []);
                Assert.False(original.ContentEquals(originAdded));
                Assert.False(originAdded.ContentEquals(original));
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Learn_IncrementsOnlyItsOrigin()
    {
        var gen = Gen.Int[4, 8].SelectMany(p => Gen.Select(
            ShardParts.Gen(p), Gen.Int[0, 5], Gen.Long[0, 100], Gen.Long[0, 10_000], Gen.ULong.Array[0, 20]));
        gen.Sample((parts, origin, documents, tokens, hashes) =>
        {
            var before = parts.Build();
            var shard = parts.Build();

            shard.Learn(origin, documents, tokens, hashes);

            var previous = before.TotalsOf(origin);
            Assert.Equal(new OriginTotals(previous.Documents + documents, previous.Tokens + tokens), shard.TotalsOf(origin));
            Assert.Equal(before.Origins.Keys.Append(origin).ToHashSet(), shard.Origins.Keys.ToHashSet());
            foreach (var (other, totals) in before.Origins)
            {
                if (other != origin)
                {
                    Assert.Equal(totals, shard.TotalsOf(other));
                }
            }

            var expectedItems = before.Items.Clone();
            expectedItems.AddRange(hashes);
            Assert.Equal(expectedItems.Registers, shard.Items.Registers);
        }, iter: Iterations);
    }

    [Fact]
    public void Learn_RejectsNegativeCounts()
    {
        var shard = new KnowledgeShard(4);

        Assert.Throws<ArgumentOutOfRangeException>(() => shard.Learn(1, -1, 0, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => shard.Learn(1, 0, -1, []));
        Assert.Empty(shard.Origins);
    }

    [Fact]
    public void DocumentsAndTokens_AreSumsOverOrigins()
    {
        var gen = Gen.Select(Gen.Int[0, 4], Gen.Long[0, 1_000], Gen.Long[0, 100_000]).Array[0, 30];
        gen.Sample(ops =>
        {
            var shard = new KnowledgeShard(4);
            foreach (var (origin, documents, tokens) in ops)
            {
                shard.Learn(origin, documents, tokens, []);
            }

            long expectedDocuments = 0, expectedTokens = 0;
            foreach (var (_, documents, tokens) in ops)
            {
                expectedDocuments += documents;
                expectedTokens += tokens;
            }

            Assert.Equal(expectedDocuments, shard.Documents);
            Assert.Equal(expectedTokens, shard.Tokens);
            for (var origin = 0; origin <= 4; origin++)
            {
                long documents = 0, tokens = 0;
                foreach (var op in ops)
                {
                    if (op.Item1 == origin)
                    {
                        documents += op.Item2;
                        tokens += op.Item3;
                    }
                }

                Assert.Equal(new OriginTotals(documents, tokens), shard.TotalsOf(origin));
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_OfShardsWithDisjointOrigins_AddsTheirTotals()
    {
        var a = new KnowledgeShard(6);
        a.Learn(1, 3, 300, [1UL, 2UL]);
        a.Learn(2, 4, 400, []);
        var b = new KnowledgeShard(6);
        b.Learn(3, 5, 500, [3UL]);

        Assert.True(a.Merge(b));

        Assert.Equal(12, a.Documents);
        Assert.Equal(1_200, a.Tokens);
        Assert.Equal(new OriginTotals(5, 500), a.TotalsOf(3));
    }

    [Fact]
    public void Merge_OfTwoObservationsOfOneOrigin_KeepsTheLaterCountsNotTheirSum()
    {
        var owner = new KnowledgeShard(6);
        owner.Learn(7, 2, 20, []);
        var replica = owner.Clone();
        owner.Learn(7, 3, 30, []);

        Assert.True(replica.Merge(owner));
        Assert.False(owner.Merge(replica));

        Assert.Equal(new OriginTotals(5, 50), replica.TotalsOf(7));
        Assert.Equal(new OriginTotals(5, 50), owner.TotalsOf(7));
    }

    [Fact]
    public void Merge_WithDifferentPrecision_ThrowsAndLeavesTheShardUnchanged()
    {
        var shard = new KnowledgeShard(6);
        shard.Learn(1, 1, 10, [42UL]);
        var before = shard.Clone();
        var other = new KnowledgeShard(7);
        other.Learn(2, 1, 10, [43UL]);

        Assert.Throws<ArgumentException>(() => shard.Merge(other));

        Assert.True(shard.ContentEquals(before));
    }

    [Fact]
    public void FromParts_KeepsTheMaximumOfRepeatedOriginsAndRejectsNegativeTotals()
    {
        var shard = KnowledgeShard.FromParts(new byte[16],
        [
            KeyValuePair.Create(1, new OriginTotals(5, 10)),
            KeyValuePair.Create(1, new OriginTotals(3, 40)),
        ]);

        Assert.Equal(new OriginTotals(5, 40), shard.TotalsOf(1));
        Assert.Throws<ArgumentException>(() => KnowledgeShard.FromParts(new byte[16], [KeyValuePair.Create(1, new OriginTotals(-1, 0))]));
        Assert.Throws<ArgumentException>(() => KnowledgeShard.FromParts(new byte[16], [KeyValuePair.Create(1, new OriginTotals(0, -1))]));
    }

    [Fact]
    public void Gossip_InRandomOrderWithDuplicatesAndStaleDeliveries_ConvergesToTheUnion()
    {
        // Every ordered pair gets at least one delivery; on top come random extra deliveries,
        // self-deliveries and replays of stale snapshots, all shuffled. Each delivery carries at
        // least the sender's initial state, so every shard must end at the join of all of them.
        var gen =
            from p in Gen.Int[4, 8]
            from n in Gen.Int[2, 5]
            from parts in ShardParts.Gen(p).Array[n]
            from extra in Gen.Select(Gen.Int[0, n - 1], Gen.Int[0, n - 1], Gen.Int[-1, 10], (sender, receiver, replay) => new Delivery(sender, receiver, replay)).Array[0, 40]
            from schedule in Gen.Shuffle(AllPairs(n).Concat(extra).ToArray())
            select (p, parts, schedule);

        gen.Sample((p, parts, schedule) =>
        {
            var shards = parts.Select(x => x.Build()).ToArray();
            var sent = shards.Select(_ => new List<KnowledgeShard>()).ToArray();
            foreach (var (sender, receiver, replay) in schedule)
            {
                KnowledgeShard message;
                if (replay >= 0 && sent[sender].Count > 0)
                {
                    message = sent[sender][replay % sent[sender].Count];
                }
                else
                {
                    message = shards[sender].Clone();
                    sent[sender].Add(message);
                }

                shards[receiver].Merge(message);
            }

            var union = new KnowledgeShard(p);
            foreach (var x in parts)
            {
                union.Merge(x.Build());
            }

            foreach (var shard in shards)
            {
                Assert.True(shard.ContentEquals(union));
            }
        }, iter: Iterations);
    }

    private static IEnumerable<Delivery> AllPairs(int n) =>
        from sender in Enumerable.Range(0, n)
        from receiver in Enumerable.Range(0, n)
        where sender != receiver
        select new Delivery(sender, receiver, -1);

    /// <summary>A gossip message from one shard to another; a non-negative replay re-sends an earlier snapshot.</summary>
    private sealed record Delivery(int Sender, int Receiver, int Replay);

    /// <summary>The stored form of a shard, printable when a property fails; each Build gives a fresh shard.</summary>
    private sealed record ShardParts(byte[] Registers, KeyValuePair<int, OriginTotals>[] Origins)
    {
        public static Gen<ShardParts> Gen(int precision)
        {
            var maxRank = (byte)(64 - precision + 1);
            // Mostly small ranks, as real sketches hold, so that equal registers are common.
            var register = CsCheck.Gen.Frequency((3, CsCheck.Gen.Byte[0, 3]), (1, CsCheck.Gen.Byte[0, maxRank]));
            var origin = CsCheck.Gen.Select(CsCheck.Gen.Int[0, 3], CsCheck.Gen.Long[0, 50], CsCheck.Gen.Long[0, 5_000],
                (id, documents, tokens) => KeyValuePair.Create(id, new OriginTotals(documents, tokens)));
            return CsCheck.Gen.Select(register.Array[1 << precision], origin.Array[0, 6], (r, o) => new ShardParts(r, o));
        }

        public KnowledgeShard Build() => KnowledgeShard.FromParts((byte[])Registers.Clone(), Origins);

        public override string ToString() =>
            $"registers {Convert.ToHexString(Registers)}, origins [{string.Join(", ", Origins.Select(o => $"{o.Key}: {o.Value}"))}]";
    }
}
