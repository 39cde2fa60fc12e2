using GlobalBrain.Domain.Knowledge;
using Xunit;

namespace GlobalBrain.Domain.Tests.Knowledge;

public sealed class ShardInternerTests
{
    // Item k as a well-mixed 64-bit hash (small integers would all land in register 0 with the same rank).
    private static KnowledgeShard Shard(int origin, params ulong[] items) =>
        KnowledgeShard.Empty(10).Learn(origin, documents: 1, tokens: items.Length, [.. items.Select(k => k * 0x9E3779B97F4A7C15UL)]);

    [Fact]
    public void EqualContent_MadeApart_BecomesOneObject()
    {
        var interner = new ShardInterner();
        var a = Shard(1, 11, 12).Merge(Shard(2, 21));
        var b = Shard(2, 21).Merge(Shard(1, 11, 12));
        Assert.NotSame(a, b);
        Assert.True(a.ContentEquals(b));

        Assert.Same(a, interner.Intern(a));
        Assert.Same(a, interner.Intern(b));
    }

    [Fact]
    public void DifferentContent_KeepsItsOwn_AndTakesTheSlot()
    {
        var interner = new ShardInterner(slots: 1);
        var a = Shard(1, 11);
        var b = Shard(1, 12);
        var c = Shard(1, 11);

        Assert.Same(a, interner.Intern(a));
        Assert.Same(b, interner.Intern(b)); // same (only) slot: b replaces a
        Assert.Same(c, interner.Intern(c)); // a is no longer held: c is
    }

    [Fact]
    public void ExpertsMergingTheSameKnowledge_ShareOneShard_AndKnowTheSame()
    {
        var interner = new ShardInterner();
        var source = Shard(0, 1, 2, 3).Merge(Shard(9, 4));
        var ledgers = Enumerable.Range(10, 50).Select(i => new ExpertLedger(i, Shard(5, 7), new BatchWindow(TimeSpan.FromHours(1), 1024)) { Interner = interner }).ToList();
        var plain = new ExpertLedger(10, Shard(5, 7), new BatchWindow(TimeSpan.FromHours(1), 1024));

        foreach (var ledger in ledgers)
        {
            Assert.True(ledger.Merge(source));
        }

        plain.Merge(source);
        Assert.All(ledgers, l => Assert.Same(ledgers[0].Shard, l.Shard));
        Assert.True(plain.Shard.ContentEquals(ledgers[0].Shard));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-4)]
    public void TheTableSize_IsAPowerOfTwo(int slots) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardInterner(slots));
}
