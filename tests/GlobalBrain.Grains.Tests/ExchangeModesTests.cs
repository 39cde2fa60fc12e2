using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests;

/// <summary>The live cluster exchanges with the simulation's semantics: modes and topologies from the silo settings.</summary>
public sealed class ExchangeModesTests
{
    [Theory]
    [InlineData("push", "ring")]
    [InlineData("pull", "small-world")]
    [InlineData("push-pull", "scale-free")]
    public async Task Knowledge_ReachesEveryExpert_InEveryModeAndTopology(string mode, string topology)
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<Configurator>();

        // TestCluster hands its properties to every silo as configuration, bound like appsettings.
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["Count"] = "12", ["FlowRate"] = "20", ["Mode"] = mode, ["Topology"] = topology, ["K"] = "1", ["Beta"] = "0.3", ["M"] = "2",
        })
        {
            builder.Properties[$"{ExpertsOptions.SectionName}:{key}"] = value;
        }

        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var dispatcher = await IngestDispatcher.ConnectAsync(cluster.Client);
            var documents = Enumerable.Range(0, 40).Select(i => new DocumentInput($"doc{i}", $"expert knowledge number {i} spreads through the {topology} by {mode}")).ToList();
            await dispatcher.IngestAsync(documents, TokenizerSpec.Default);
            var aggregator = cluster.Client.GetGrain<IAggregatorGrain>(0);
            var settings = await aggregator.GetSettingsAsync();
            Assert.Equal((12, 20.0), (settings.Experts, settings.FlowRate)); // the section reached the silos

            var metrics = await Poll.UntilAsync(aggregator.GetMetricsAsync, m => m.MinReach >= 0.999, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

            Assert.True(metrics.MinReach >= 0.999, $"{mode} on {topology}: min reach {metrics.MinReach} after 30 s");
            Assert.True(metrics.Exchanges > 0);
            Assert.True(metrics.BytesExchanged > 0);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddGlobalBrain();
    }
}

public sealed class ExpertsOptionsValidatorTests
{
    [Theory]
    [InlineData("gossip", "complete", 2, 0.1, 3, "GlobalBrain:Experts:Mode must be push, pull or push-pull (got 'gossip')")]
    [InlineData("push", "star", 2, 0.1, 3, "GlobalBrain:Experts:Topology must be complete, ring, small-world or scale-free (got 'star')")]
    [InlineData("push", "ring", 8, 0.1, 3, "GlobalBrain:Experts:K must be from 1 to 7 for 16 experts")]
    [InlineData("push", "small-world", 2, 1.5, 3, "GlobalBrain:Experts:Beta is a rewiring probability")]
    [InlineData("push", "scale-free", 2, 0.1, 16, "GlobalBrain:Experts:M must be from 1 to N − 1 = 15")]
    public void BadExchangeSettings_NameTheKeyAndTheVariable(string mode, string topology, int k, double beta, int m, string message)
    {
        var result = new ExpertsOptionsValidator().Validate(null, new ExpertsOptions { Mode = mode, Topology = topology, K = k, Beta = beta, M = m });

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith(message, failure, StringComparison.Ordinal);
        Assert.Contains("GlobalBrain__Experts__", failure, StringComparison.Ordinal);
    }
}
