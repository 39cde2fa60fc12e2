using GlobalBrain.Domain.Simulation;
using Xunit;

namespace GlobalBrain.Domain.Tests.Simulation;

public sealed class GossipSimulationTests
{
    [Theory]
    [InlineData(TopologyKind.Complete, ScenarioKind.Rumor)]
    [InlineData(TopologyKind.SmallWorld, ScenarioKind.Items)]
    [InlineData(TopologyKind.ScaleFree, ScenarioKind.Rumor)]
    public void Run_WithTheSameSeed_GivesIdenticalRounds_AndAnotherSeedDoesNot(TopologyKind topology, ScenarioKind scenario)
    {
        SimulationSpec Spec(ulong seed) => new(3_000, 1.5, ExchangeMode.PushPull, new TopologySpec(topology, K: 3, Beta: 0.2, M: 2), scenario, seed, MaxRounds: 12, ItemsPerExpert: 2, ExchangeCap: scenario == ScenarioKind.Items ? 50 : null);

        var first = GossipSimulation.Run(Spec(7));
        var again = GossipSimulation.Run(Spec(7));
        var other = GossipSimulation.Run(Spec(8));

        Assert.Equal(first.Rounds, again.Rounds);
        Assert.NotEqual(first.Rounds, other.Rounds);
        Assert.Equal(13, first.Rounds.Count);
        Assert.Equal(0, first.Rounds[0].Round);
    }

    [Theory]
    [InlineData(ExchangeMode.Push, ScenarioKind.Rumor, null)]
    [InlineData(ExchangeMode.Pull, ScenarioKind.Rumor, null)]
    [InlineData(ExchangeMode.PushPull, ScenarioKind.Rumor, null)]
    [InlineData(ExchangeMode.PushPull, ScenarioKind.Items, null)]
    [InlineData(ExchangeMode.Pull, ScenarioKind.Items, 7)]
    public void Run_GivesTheSameRounds_WhateverTheNumberOfBlocks(ExchangeMode mode, ScenarioKind scenario, int? cap)
    {
        var spec = new SimulationSpec(1_000, 1.3, mode, new TopologySpec(TopologyKind.ScaleFree, M: 2), scenario, 11, MaxRounds: 15, ItemsPerExpert: 2, ExchangeCap: cap);

        var one = GossipSimulation.Run(spec, 1, null, null, default);
        var several = GossipSimulation.Run(spec, 5, null, null, default);
        var many = GossipSimulation.Run(spec, 16, null, null, default);

        Assert.Equal(one.Rounds, several.Rounds);
        Assert.Equal(one.Rounds, many.Rounds);
    }

    [Theory]
    [InlineData(ExchangeMode.Push, ScenarioKind.Rumor)]
    [InlineData(ExchangeMode.Pull, ScenarioKind.Rumor)]
    [InlineData(ExchangeMode.PushPull, ScenarioKind.Items)]
    [InlineData(ExchangeMode.Push, ScenarioKind.Items)]
    public void CollectiveIntelligence_NeverDecreases_WhenOnlyTheFlowRateIncreases(ExchangeMode mode, ScenarioKind scenario)
    {
        // The exchanges of a lower v are a subset of a higher v's on the same seed (same draws), and
        // merging is monotone, so every round's C can only grow with v.
        var previous = (IReadOnlyList<RoundStats>?)null;
        foreach (var v in new[] { 0.0, 0.3, 0.5, 1.0, 1.25, 2.0, 3.5 })
        {
            var rounds = GossipSimulation.Run(new SimulationSpec(800, v, mode, TopologySpec.Complete, scenario, 42, MaxRounds: 10, ItemsPerExpert: 3)).Rounds;
            if (previous is not null)
            {
                for (var r = 0; r < rounds.Count; r++)
                {
                    Assert.True(rounds[r].CollectiveIntelligence >= previous[r].CollectiveIntelligence, $"v = {v}, round {r}: C {rounds[r].CollectiveIntelligence} < {previous[r].CollectiveIntelligence}");
                }
            }

            previous = rounds;
        }
    }

    [Fact]
    public void Items_AnExchangeCap_MakesMoreInformationSpreadMoreSlowly()
    {
        int Rounds(int itemsPerExpert) => GossipSimulation.Run(new SimulationSpec(
            500, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Items, 3, MaxRounds: 10_000, UntilConverged: true, ItemsPerExpert: itemsPerExpert, ExchangeCap: 64)).RoundsToFullCoverage!.Value;

        var few = Rounds(1);
        var many = Rounds(8);

        Assert.True(many > few * 2, $"I = 4000 took {many} rounds, I = 500 took {few}");
    }

    [Fact]
    public void Items_WithoutACap_ReachesEveryoneLikeTheRumor_AndCountsWhatIsSent()
    {
        var result = GossipSimulation.Run(new SimulationSpec(1_000, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Items, 5, MaxRounds: 30, ItemsPerExpert: 2));

        Assert.Equal(2_000, result.DistinctItems);
        Assert.InRange(result.RoundsToFullCoverage!.Value, 8, 16);
        var last = result.Rounds[^1];
        Assert.Equal((1.0, 1.0, 1.0, 0.0), (last.MeanReach, last.MinReach, last.P50Reach, last.StdReach));
        Assert.Equal(1_000 * 2_000.0, last.CollectiveIntelligence);
        Assert.Equal(1_000, last.Exchanges);
        Assert.Equal(2L * 1_000 * 2_000 * GossipSimulation.BytesPerItem, last.BytesExchanged); // everyone full: two full shards per exchange
        Assert.Equal(2L * 1_000 * 2 * GossipSimulation.BytesPerItem, result.Rounds[1].BytesExchanged); // round 1: everyone holds its own 2 items
    }

    [Fact]
    public void Rumor_Round0_IsOneExpertInformed_AndStatsAreExact()
    {
        var result = GossipSimulation.Run(new SimulationSpec(4, 1, ExchangeMode.Push, TopologySpec.Complete, ScenarioKind.Rumor, 1, MaxRounds: 1));

        var start = result.Rounds[0];
        Assert.Equal((0.25, 0.0, 0.0, 1.0), (start.MeanReach, start.MinReach, start.P50Reach, start.CollectiveIntelligence));
        Assert.Equal(Math.Sqrt(0.25 * 0.75), start.StdReach, 12);
        Assert.Equal(4, result.Rounds[1].Exchanges);
    }

    [Fact]
    public void FlowRateZero_SpreadsNothing_AndOneExpertIsCoveredAtOnce()
    {
        var still = GossipSimulation.Run(new SimulationSpec(100, 0, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, 1, MaxRounds: 5));
        var alone = GossipSimulation.Run(new SimulationSpec(1, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, 1, MaxRounds: 5, UntilConverged: true));

        Assert.All(still.Rounds, r => Assert.Equal(1, r.CollectiveIntelligence));
        Assert.Null(still.RoundsToFullCoverage);
        Assert.Equal(0, alone.RoundsToFullCoverage);
        Assert.Single(alone.Rounds);
    }

    [Theory]
    [InlineData(0, 1.0, TopologyKind.Complete, 2, 0.1, 3, "--experts must be from 1")]
    [InlineData(10, -1.0, TopologyKind.Complete, 2, 0.1, 3, "--flow-rate must be a number from 0")]
    [InlineData(10, 1.0, TopologyKind.Ring, 5, 0.1, 3, "--k must be from 1 to 4")]
    [InlineData(10, 1.0, TopologyKind.SmallWorld, 2, 1.5, 3, "--beta is a rewiring probability")]
    [InlineData(10, 1.0, TopologyKind.ScaleFree, 2, 0.1, 10, "--m must be from 1 to N − 1 = 9")]
    public void Validate_NamesTheOptionAndTheRange(int n, double v, TopologyKind topology, int k, double beta, int m, string message)
    {
        var spec = new SimulationSpec(n, v, ExchangeMode.Push, new TopologySpec(topology, k, beta, m), ScenarioKind.Rumor, 1, MaxRounds: 5);

        Assert.Contains(spec.Validate(), e => e.StartsWith(message, StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => GossipSimulation.Run(spec));
    }

    [Fact]
    public void Validate_ItemsTooLargeForExactSets_SaysHowMuchAndWhatToDo()
    {
        var spec = new SimulationSpec(1_000_000, 1, ExchangeMode.Push, TopologySpec.Complete, ScenarioKind.Items, 1, MaxRounds: 5);

        var error = Assert.Single(spec.Validate());

        Assert.Contains("GB for N = 1,000,000", error, StringComparison.Ordinal);
        Assert.Contains("--scenario rumor", error, StringComparison.Ordinal);
    }
}
