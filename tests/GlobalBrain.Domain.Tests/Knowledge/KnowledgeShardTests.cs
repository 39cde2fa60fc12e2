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
            var ab = a.Build().Merge(b.Build());
            var ba = b.Build().Merge(a.Build());

            Assert.True(ab.ContentEquals(ba));
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_IsAssociative()
    {
        Triples.Sample((a, b, c) =>
        {
            var left = a.Build().Merge(b.Build()).Merge(c.Build());
            var right = a.Build().Merge(b.Build().Merge(c.Build()));

            Assert.True(left.ContentEquals(right));
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_IsIdempotent()
    {
        Pairs.Sample((a, b) =>
        {
            // Nothing rises: the merge returns the shard itself, unchanged.
            var self = a.Build();
            Assert.Same(self, self.Merge(a.Build()));
            Assert.Same(self, self.Merge(self));
            Assert.True(self.ContentEquals(a.Build()));

            var ab = a.Build().Merge(b.Build());
            Assert.Same(ab, ab.Merge(b.Build()));
            Assert.Same(ab, ab.Merge(a.Build()));
        }, iter: Iterations);
    }

    [Fact]
    public void Merge_ResultIsTheLeastUpperBoundOfBothInputs()
    {
        Pairs.Sample((a, b) =>
        {
            var left = a.Build();
            var right = b.Build();
            var joined = left.Merge(right);

            for (var i = 0; i < joined.Items.RegisterCount; i++)
            {
                Assert.Equal(Math.Max(left.Items[i], right.Items[i]), joined.Items[i]);
            }

            var origins = OriginsOf(left).Union(OriginsOf(right)).ToHashSet();
            Assert.Equal(origins, OriginsOf(joined).ToHashSet());
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
    public void Merge_ReturnsThisShardExactlyWhenNothingChanged_AndTheOtherWhenItCoversThisOne()
    {
        Pairs.Sample((a, b) =>
        {
            var shard = a.Build();
            var other = b.Build();

            var merged = shard.Merge(other);

            Assert.Equal(merged.ContentEquals(a.Build()), ReferenceEquals(merged, shard));
            if (!ReferenceEquals(merged, shard))
            {
                // The join equals the other shard exactly when the other covers this one: then it is shared, not copied.
                Assert.Equal(merged.ContentEquals(b.Build()), ReferenceEquals(merged, other));
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Missing_IsWhatThePeerLacks_MergingItEqualsMergingTheWholeShard()
    {
        Pairs.Sample((a, b) =>
        {
            var shard = a.Build();
            var peer = b.Build();

            var missing = shard.Missing(peer);

            Assert.True(peer.Merge(missing).ContentEquals(peer.Merge(shard)));
            Assert.True(missing.WireSize <= shard.WireSize);
            Assert.Equal(ReferenceEquals(peer.Merge(shard), peer), missing.IsEmpty);
        }, iter: Iterations);
    }

    [Fact]
    public void DeltaExchange_GivesTheSameStatesAsFullExchange_AndConvergesToTheUnion()
    {
        // The experts' push-pull: an offer by digest (nothing when equal), the peer's shard merged here,
        // then only what the peer lacks sent back; against both whole shards merged both ways, on
        // the same schedule. After every exchange both networks hold the same; at the end, the union.
        var gen =
            from p in Gen.Int[4, 10]
            from n in Gen.Int[2, 6]
            from parts in ShardParts.Gen(p).Array[n]
            from schedule in Gen.Select(Gen.Int[0, n - 1], Gen.Int[0, n - 2]).Array[0, 30]
            select (p, n, parts, schedule);
        gen.Sample((p, n, parts, schedule) =>
        {
            var full = parts.Select(x => x.Build()).ToArray();
            var delta = parts.Select(x => x.Build()).ToArray();
            long bytesFull = 0, bytesDelta = 0;
            // The random schedule, then every ordered pair twice: enough for the union to reach everyone.
            var allPairs = Enumerable.Range(0, n).SelectMany(a => Enumerable.Range(0, n - 1).Select(b => (a, b))).ToArray();
            var steps = schedule.Concat(allPairs).Concat(allPairs).ToArray();
            foreach (var (a, other) in steps)
            {
                var b = other >= a ? other + 1 : other;
                bytesFull += full[a].WireSize + full[b].WireSize;
                (full[a], full[b]) = (full[a].Merge(full[b]), full[b].Merge(full[a]));

                bytesDelta += sizeof(ulong);
                if (delta[a].Digest != delta[b].Digest)
                {
                    var offered = delta[b];
                    bytesDelta += offered.WireSize;
                    delta[a] = delta[a].Merge(offered);
                    var missing = delta[a].Missing(offered);
                    bytesDelta += missing.IsEmpty ? 0 : missing.WireSize;
                    delta[b] = delta[b].Merge(missing);
                }

                Assert.True(delta[a].ContentEquals(full[a]) && delta[b].ContentEquals(full[b]), $"after {a} ↔ {b} the delta exchange differs from the full one");
            }

            var union = parts.Select(x => x.Build()).Aggregate((x, y) => x.Merge(y));
            Assert.All(delta, shard => Assert.True(shard.ContentEquals(union)));
            // Each exchange sends at most one whole shard and what the other lacks, plus the 8-byte digest.
            Assert.True(bytesDelta <= bytesFull + (sizeof(ulong) * (long)steps.Length), $"the delta exchange carried {bytesDelta} bytes, the full one {bytesFull}");
        }, iter: Iterations);
    }

    [Fact]
    public void ContentEquals_DetectsAnyDifference()
    {
        var gen = Gen.Int[4, 8].SelectMany(p => Gen.Select(ShardParts.Gen(p), Gen.Int[0, (1 << p) - 1], Gen.Int[0, 9]));
        gen.Sample((parts, register, origin) =>
        {
            var original = parts.Build();
            Assert.True(original.ContentEquals(parts.Build()));
            Assert.Equal(original.Digest, parts.Build().Digest);

            var registers = original.Items.ToRegisters();
            registers[register] = registers[register] == 0 ? (byte)1 : (byte)(registers[register] - 1);
            var registerChanged = KnowledgeShard.FromParts(HyperLogLog.FromRegisters(registers), parts.Origins);
            Assert.False(original.ContentEquals(registerChanged));
            Assert.False(registerChanged.ContentEquals(original));
            Assert.NotEqual(original.Digest, registerChanged.Digest);

            var documentsChanged = original.Learn(origin, 1, 0, []);
            Assert.False(original.ContentEquals(documentsChanged));
            Assert.False(documentsChanged.ContentEquals(original));
            Assert.NotEqual(original.Digest, documentsChanged.Digest);

            var tokensChanged = original.Learn(origin, 0, 1, []);
            Assert.False(original.ContentEquals(tokensChanged));
            Assert.NotEqual(original.Digest, tokensChanged.Digest);

            // A new origin with zero totals is still a difference: it is a different key set.
            if (!OriginsOf(original).Contains(origin))
            {
                var originAdded = original.Learn(origin, 0, 0, []);
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

            var shard = before.Learn(origin, documents, tokens, hashes);

            var previous = before.TotalsOf(origin);
            Assert.Equal(new OriginTotals(previous.Documents + documents, previous.Tokens + tokens), shard.TotalsOf(origin));
            Assert.Equal(OriginsOf(before).Append(origin).ToHashSet(), OriginsOf(shard).ToHashSet());
            Assert.True(before.ContentEquals(parts.Build()), "learning changed the shard it was called on");
            foreach (var (other, totals) in before.Origins)
            {
                if (other != origin)
                {
                    Assert.Equal(totals, shard.TotalsOf(other));
                }
            }

            Assert.Equal(before.Items.Add(hashes).ToRegisters(), shard.Items.ToRegisters());
        }, iter: Iterations);
    }

    [Fact]
    public void Learn_RejectsNegativeCounts()
    {
        var shard = KnowledgeShard.Empty(4);

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
            var shard = KnowledgeShard.Empty(4);
            foreach (var (origin, documents, tokens) in ops)
            {
                shard = shard.Learn(origin, documents, tokens, []);
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
        var a = KnowledgeShard.Empty(6).Learn(1, 3, 300, [1UL, 2UL]).Learn(2, 4, 400, []);
        var b = KnowledgeShard.Empty(6).Learn(3, 5, 500, [3UL]);

        a = a.Merge(b);

        Assert.Equal(12, a.Documents);
        Assert.Equal(1_200, a.Tokens);
        Assert.Equal(new OriginTotals(5, 500), a.TotalsOf(3));
    }

    [Fact]
    public void Merge_OfTwoObservationsOfOneOrigin_KeepsTheLaterCountsNotTheirSum()
    {
        var replica = KnowledgeShard.Empty(6).Learn(7, 2, 20, []);
        var owner = replica.Learn(7, 3, 30, []);

        replica = replica.Merge(owner);
        Assert.Same(owner, replica);
        Assert.Same(owner, owner.Merge(KnowledgeShard.Empty(6).Learn(7, 2, 20, [])));

        Assert.Equal(new OriginTotals(5, 50), replica.TotalsOf(7));
        Assert.Equal(new OriginTotals(5, 50), owner.TotalsOf(7));
    }

    [Fact]
    public void Merge_WithDifferentPrecision_ThrowsAndLeavesTheShardUnchanged()
    {
        var shard = KnowledgeShard.Empty(6).Learn(1, 1, 10, [42UL]);
        var other = KnowledgeShard.Empty(7).Learn(2, 1, 10, [43UL]);

        Assert.Throws<ArgumentException>(() => shard.Merge(other));

        Assert.True(shard.ContentEquals(KnowledgeShard.Empty(6).Learn(1, 1, 10, [42UL])));
    }

    [Fact]
    public void FromParts_KeepsTheMaximumOfRepeatedOriginsAndRejectsNegativeTotals()
    {
        var shard = KnowledgeShard.FromParts(HyperLogLog.Empty(4),
        [
            KeyValuePair.Create(1, new OriginTotals(5, 10)),
            KeyValuePair.Create(1, new OriginTotals(3, 40)),
        ]);

        Assert.Equal(new OriginTotals(5, 40), shard.TotalsOf(1));
        Assert.Throws<ArgumentException>(() => KnowledgeShard.FromParts(HyperLogLog.Empty(4), [KeyValuePair.Create(1, new OriginTotals(-1, 0))]));
        Assert.Throws<ArgumentException>(() => KnowledgeShard.FromParts(HyperLogLog.Empty(4), [KeyValuePair.Create(1, new OriginTotals(0, -1))]));
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
                    message = shards[sender];
                    sent[sender].Add(message);
                }

                shards[receiver] = shards[receiver].Merge(message);
            }

            var union = KnowledgeShard.Empty(p);
            foreach (var x in parts)
            {
                union = union.Merge(x.Build());
            }

            foreach (var shard in shards)
            {
                Assert.True(shard.ContentEquals(union));
            }
        }, iter: Iterations);
    }

    private static IEnumerable<int> OriginsOf(KnowledgeShard shard) => shard.Origins.Select(o => o.Origin);

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
            // Mostly small ranks, as real sketches hold, so that equal registers are common; a third of
            // the sketches mostly empty, so that sparse sketches (fewer than m/4 set) meet dense ones.
            var register = CsCheck.Gen.Frequency((3, CsCheck.Gen.Byte[0, 3]), (1, CsCheck.Gen.Byte[0, maxRank]));
            var sparseRegister = CsCheck.Gen.Frequency((12, CsCheck.Gen.Const((byte)0)), (1, CsCheck.Gen.Byte[1, maxRank]));
            var registers = CsCheck.Gen.Frequency((2, register.Array[1 << precision]), (1, sparseRegister.Array[1 << precision]));
            var origin = CsCheck.Gen.Select(CsCheck.Gen.Int[0, 3], CsCheck.Gen.Long[0, 50], CsCheck.Gen.Long[0, 5_000],
                (id, documents, tokens) => KeyValuePair.Create(id, new OriginTotals(documents, tokens)));
            return CsCheck.Gen.Select(registers, origin.Array[0, 6], (r, o) => new ShardParts(r, o));
        }

        public KnowledgeShard Build() => KnowledgeShard.FromParts(HyperLogLog.FromRegisters(Registers), Origins);

        public override string ToString() =>
            $"registers {Convert.ToHexString(Registers)}, origins [{string.Join(", ", Origins.Select(o => $"{o.Key}: {o.Value}"))}]";
    }
}
