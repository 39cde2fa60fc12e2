using GlobalBrain.Domain.Simulation;
using Xunit;

namespace GlobalBrain.Domain.Tests.Simulation;

public sealed class TopologyTests
{
    private static readonly int[] RingNeighboursOfZero = [1, 2, 8, 9];

    [Theory]
    [InlineData(TopologyKind.SmallWorld)]
    [InlineData(TopologyKind.ScaleFree)]
    public void Graphs_AreUndirected_WithoutLoopsOrDuplicates_AndTheSameForTheSameSeed(TopologyKind kind)
    {
        var spec = new TopologySpec(kind, K: 3, Beta: 0.3, M: 2);
        var graph = Topology.Build(spec, 2_000, 9);
        var again = Topology.Build(spec, 2_000, 9);

        for (var i = 0; i < graph.Experts; i++)
        {
            var neighbours = graph.Neighbours(i).ToList();
            Assert.DoesNotContain(i, neighbours);
            Assert.Equal(neighbours.Count, neighbours.Distinct().Count());
            Assert.All(neighbours, j => Assert.Contains(i, graph.Neighbours(j)));
            Assert.Equal(neighbours, again.Neighbours(i));
            Assert.True(neighbours.Count >= 1, $"expert {i} is isolated");
        }
    }

    [Fact]
    public void SmallWorld_KeepsNk_Edges_AndRewiresAboutBetaOfThem()
    {
        var lattice = Topology.Build(new TopologySpec(TopologyKind.SmallWorld, K: 2, Beta: 0), 1_000, 1);
        var rewired = Topology.Build(new TopologySpec(TopologyKind.SmallWorld, K: 2, Beta: 0.2), 1_000, 1);

        Assert.Equal(2_000, lattice.Edges);
        Assert.Equal(2_000, rewired.Edges);
        var moved = Enumerable.Range(0, 1_000).Sum(i => rewired.Neighbours(i).Count(j => Math.Min(Math.Abs(i - j), 1_000 - Math.Abs(i - j)) > 2)) / 2;
        Assert.InRange(moved, 320, 480); // 0.2 × 2000 = 400 rewired edges
    }

    [Fact]
    public void ScaleFree_HasMPerNewExpert_AndHubs()
    {
        var graph = Topology.Build(new TopologySpec(TopologyKind.ScaleFree, M: 2), 5_000, 3);

        Assert.Equal(3 + (2 * (5_000 - 3)), graph.Edges); // a triangle, then m edges per expert
        var degrees = Enumerable.Range(0, 5_000).Select(graph.Degree).ToArray();
        Assert.True(degrees.Max() > 50, $"largest degree {degrees.Max()}: preferential attachment makes hubs");
        Assert.Equal(2, degrees.Min());
    }

    [Fact]
    public void Ring_And_Complete_PickOnlyNeighbours()
    {
        var ring = Topology.Build(new TopologySpec(TopologyKind.Ring, K: 2), 10, 1);
        var complete = Topology.Build(TopologySpec.Complete, 10, 1);

        for (ulong r = 0; r < 2_000; r++)
        {
            var random = CounterRandom.Next(1, 2, 3, 4, (int)r);
            Assert.Contains(ring.Peer(0, random), RingNeighboursOfZero);
            Assert.InRange(complete.Peer(5, random), 0, 9);
            Assert.NotEqual(5, complete.Peer(5, random));
        }
    }
}
