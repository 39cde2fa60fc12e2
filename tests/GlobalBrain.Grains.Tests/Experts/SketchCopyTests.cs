using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Experts;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace GlobalBrain.Grains.Tests.Experts;

/// <summary>
/// Sketches and shards are immutable: Orleans' deep copier (a call's arguments between grains of one silo) shares
/// them, while the serialized form (wire, storage) stays the compact surrogate.
/// </summary>
public sealed class SketchCopyTests
{
    private static ServiceProvider Services() => new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(ExpertState).Assembly).AddAssembly(typeof(KnowledgeDelta).Assembly))
        .BuildServiceProvider();

    private static HyperLogLog Sketch(int items, int precision = 12)
    {
        var shard = KnowledgeShard.Empty(precision).Learn(origin: 3, documents: 2, tokens: 40, KnowledgeItems.Hash([.. Enumerable.Range(0, items)]));
        return shard.Items;
    }

    [Theory]
    [InlineData(20)] // sparse
    [InlineData(20_000)] // dense
    public void CopyingAState_SharesItsSketch_AndTheWireFormRoundTrips(int items)
    {
        using var services = Services();
        var sketch = Sketch(items);
        var state = new ExpertState { Items = sketch, Origins = [new OriginCount(3, 2, 40)], ExchangesStarted = 7 };

        var copy = services.GetRequiredService<DeepCopier>().Copy(state);
        Assert.NotSame(state, copy);
        Assert.Same(sketch, copy.Items);
        Assert.Equal(7, copy.ExchangesStarted);

        var serializer = services.GetRequiredService<Serializer>();
        var bytes = serializer.SerializeToArray(state);
        var read = serializer.Deserialize<ExpertState>(bytes);
        Assert.NotNull(read);
        Assert.NotNull(read.Items);
        Assert.NotSame(sketch, read.Items);
        Assert.True(sketch.Covers(read.Items) && read.Items.Covers(sketch) && sketch.Count == read.Items.Count, "the sketch read back differs from the one written");
        Assert.True(bytes.Length < 2 * (items < 1000 ? items * 4 : sketch.RegisterCount), $"{bytes.Length} bytes: not the compact form");
    }

    [Fact]
    public void CopyingAShard_SharesIt()
    {
        using var services = Services();
        var shard = KnowledgeShard.Empty(12).Learn(origin: 1, documents: 1, tokens: 5, KnowledgeItems.Hash([1, 2, 3, 4, 5]));
        Assert.Same(shard, services.GetRequiredService<DeepCopier>().Copy(shard));
        Assert.Same(shard.Items, services.GetRequiredService<DeepCopier>().Copy(new ShardSnapshot(shard) with { }).Shard.Items);
    }
}
