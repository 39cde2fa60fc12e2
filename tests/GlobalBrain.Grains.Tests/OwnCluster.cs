using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests;

/// <summary>
/// A test class that needs a cluster configured its own way (not the shared three-silo fixture):
/// one started before each test and stopped after it, its silos configured by <typeparamref name="TSilo"/>.
/// </summary>
public abstract class OwnCluster<TSilo> : IAsyncLifetime
    where TSilo : ISiloConfigurator, new()
{
    protected TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<TSilo>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
