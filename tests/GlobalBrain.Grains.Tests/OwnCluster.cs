using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests;

/// <summary>
/// A test class that needs a cluster configured its own way (not the shared three-silo fixture):
/// one started before each test and stopped after it, its <see cref="Silos"/> silos configured by <typeparamref name="TSilo"/>.
/// </summary>
public abstract class OwnCluster<TSilo> : IAsyncLifetime
    where TSilo : ISiloConfigurator, new()
{
    protected TestCluster Cluster { get; private set; } = null!;

    /// <summary>Silos in the cluster (one unless a test class needs more).</summary>
    protected virtual short Silos => 1;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(Silos);
        builder.AddSiloBuilderConfigurator<TSilo>();
        Configure(builder);
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>More of the cluster's configuration (e.g. the client's), for a test class that needs it.</summary>
    protected virtual void Configure(TestClusterBuilder builder)
    {
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
