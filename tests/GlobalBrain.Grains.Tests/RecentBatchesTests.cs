using GlobalBrain.Grains.Experts;

namespace GlobalBrain.Grains.Tests;

public sealed class RecentBatchesTests
{
    [Fact]
    public void Add_ForgetsTheOldestOnceFull_AndKnowsTheRest()
    {
        var recent = new RecentBatches(3);
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();

        Assert.All(ids, id => Assert.True(recent.Add(id)));
        Assert.False(recent.Add(ids[4]));

        Assert.Equal(3, recent.Count);
        Assert.False(recent.Contains(ids[0]));
        Assert.False(recent.Contains(ids[1]));
        Assert.All(ids[2..], id => Assert.True(recent.Contains(id)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(9)]
    public void Blob_RoundTrips_OldestFirst_BeforeAndAfterTheRingWraps(int added)
    {
        var recent = new RecentBatches(4);
        var ids = Enumerable.Range(0, added).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var id in ids)
        {
            recent.Add(id);
        }

        var restored = new RecentBatches(4);
        restored.Load(recent.ToBlob());

        var kept = ids.TakeLast(Math.Min(added, 4)).ToArray();
        Assert.Equal(kept.Length * 16, recent.ToBlob().Length);
        Assert.Equal(kept.SelectMany(g => g.ToByteArray()), recent.ToBlob());
        Assert.All(kept, id => Assert.True(restored.Contains(id)));

        // The restored order is the original one: the next add evicts the same id in both.
        var next = Guid.NewGuid();
        recent.Add(next);
        restored.Add(next);
        Assert.Equal(recent.ToBlob(), restored.ToBlob());
    }
}
