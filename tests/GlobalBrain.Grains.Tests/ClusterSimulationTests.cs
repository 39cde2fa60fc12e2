using GlobalBrain.Domain.Simulation;
using GlobalBrain.Grains.Simulation;
using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests;

/// <summary>Simulation in block grains: the same rounds on one silo, on three, and in one process.</summary>
[Collection(ThreeSiloCluster.Name)]
public sealed class ClusterSimulationTests(ClusterFixture fixture)
{
    private static readonly SimulationSpec[] Specs =
    [
        new(3_000, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, 5, MaxRounds: 100, UntilConverged: true),
        new(2_000, 1.5, ExchangeMode.Pull, new TopologySpec(TopologyKind.SmallWorld, K: 3, Beta: 0.2), ScenarioKind.Rumor, 6, MaxRounds: 15),
        new(600, 0.8, ExchangeMode.Push, new TopologySpec(TopologyKind.ScaleFree, M: 2), ScenarioKind.Items, 7, MaxRounds: 12, ItemsPerExpert: 2, ExchangeCap: 40),
    ];

    [Fact]
    public async Task Rounds_AreIdentical_OnOneSiloOnThreeSilosAndInProcess()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<ClusterFixture.SiloConfigurator>();
        var single = builder.Build();
        await single.DeployAsync();
        try
        {
            foreach (var spec in Specs)
            {
                var inProcess = GossipSimulation.Run(spec);
                var onOne = await ClusterSimulation.RunAsync(single.Client, spec, blocks: 4);
                var onThree = await ClusterSimulation.RunAsync(fixture.Client, spec, blocks: 9);

                Assert.Equal(inProcess.Rounds, onOne.Rounds);
                Assert.Equal(inProcess.Rounds, onThree.Rounds);
                Assert.Equal(inProcess.RoundsToFullCoverage, onThree.RoundsToFullCoverage);
                Assert.Equal(inProcess.TopologyEdges, onThree.TopologyEdges);
            }

            var random = new Random(5);
            var documents = Enumerable.Range(0, 150).Select(i => ($"doc{i}", Enumerable.Range(0, random.Next(1, 40)).Select(_ => random.Next(80)).ToArray())).ToList();
            var corpus = ItemAssignment.FromDocuments(documents, 400);
            var corpusSpec = new SimulationSpec(400, 1, ExchangeMode.PushPull, new TopologySpec(TopologyKind.Ring, K: 3), ScenarioKind.Corpus, 3, MaxRounds: 20, ExchangeCap: 30);
            var local = GossipSimulation.Run(corpusSpec, corpus: corpus);
            Assert.Equal(local.Rounds, (await ClusterSimulation.RunAsync(single.Client, corpusSpec, blocks: 3, corpus: corpus)).Rounds);
            Assert.Equal(local.Rounds, (await ClusterSimulation.RunAsync(fixture.Client, corpusSpec, blocks: 7, corpus: corpus)).Rounds);
        }
        finally
        {
            await single.StopAllSilosAsync();
            await single.DisposeAsync();
        }
    }

    [Fact]
    public async Task Blocks_AreSpreadOverTheSilos()
    {
        var spec = new SimulationSpec(6_400, 1, ExchangeMode.PushPull, TopologySpec.Complete, ScenarioKind.Rumor, 1, MaxRounds: 3);
        var spy = new Spy(fixture.Client.GetGrain<IManagementGrain>(0));

        await ClusterSimulation.RunAsync(fixture.Client, spec, blocks: 30, progress: spy);

        var silos = await spy.SilosWithBlocksAsync();
        Assert.True(silos.Max() >= 2, $"blocks were active on {silos.Max()} silo(s) at most");
    }

    /// <summary>After each round, asks (without waiting) on how many silos block grains are active.</summary>
    private sealed class Spy(IManagementGrain management) : IProgress<RoundStats>
    {
        private readonly List<Task<SimpleGrainStatistic[]>> _queries = [];

        public void Report(RoundStats value)
        {
            lock (_queries)
            {
                _queries.Add(management.GetSimpleGrainStatistics());
            }
        }

        public async Task<List<int>> SilosWithBlocksAsync()
        {
            var answers = await Task.WhenAll(_queries);
            return [.. answers.Select(stats => stats
                .Where(s => s.GrainType.Contains("SimulationBlock", StringComparison.Ordinal) && s.ActivationCount > 0)
                .Select(s => s.SiloAddress)
                .Distinct()
                .Count())];
        }
    }
}
