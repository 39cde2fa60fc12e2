using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests;

/// <summary>A three-silo in-process cluster (free loopback ports) shared by the tests of a collection.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Experts = 48;
    public const double FlowRate = 10;
    public const int Silos = 3;

    public TestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(Silos);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    internal sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = Experts;
                o.FlowRate = FlowRate;
            });
            siloBuilder.Services.Configure<KnowledgeOptions>(o => o.FlushInterval = TimeSpan.FromSeconds(1));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ThreeSiloCluster : ICollectionFixture<ClusterFixture>
{
    public const string Name = "three-silo cluster";
}
