using System.Collections.Concurrent;
using GlobalBrain.Grains.Experts;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests.Experts;

/// <summary>
/// An expert holding knowledge gained by exchange stores it when its silo stops — unless the whole cluster stops
/// and its shard storage lives in the silos (Orleans' memory storage): such writes have nowhere to go, and at
/// 10^6 experts on three silos stopped together they were ~50,000 failed placements logged with stacks.
/// </summary>
public sealed class FinalWritesTests
{
    private const int Experts = 4;
    private static readonly CountingStorage Storage = new();
    private static bool _endsWithCluster;

    [Fact]
    public async Task TheLastSilo_StoresNoShard_WhenTheStorageEndsWithTheCluster_AndStoresIt_WhenItDoesNot()
    {
        // The control first: storage outside the cluster (Redis) keeps what an expert writes as its silo stops.
        Assert.Equal(1, await WritesWhileStoppingAsync(endsWithCluster: false));
        Assert.Equal(0, await WritesWhileStoppingAsync(endsWithCluster: true));
    }

    /// <summary>Expert 1 holds expert 0's knowledge by exchange only (not stored yet); the one silo stops: its writes then.</summary>
    private static async Task<int> WritesWhileStoppingAsync(bool endsWithCluster)
    {
        _endsWithCluster = endsWithCluster;
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<CountingSilo>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var teacher = cluster.Client.GetGrain<IExpertGrain>(0);
            var learner = cluster.Client.GetGrain<IExpertGrain>(1);
            await teacher.LearnAsync(new KnowledgeDelta(Guid.NewGuid(), 1, 3, [1, 2, 3]));
            await learner.ReceiveAsync(await teacher.ShareAsync());
            var knowledge = (await teacher.GetReportAsync()).Knowledge;
            Assert.True(knowledge > 0);
            Assert.Equal(knowledge, (await learner.GetReportAsync()).Knowledge);

            Storage.Reset();
            await cluster.StopAllSilosAsync();
            return Storage.Writes;
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    public sealed class CountingSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain(addMemoryStorage: false);
            siloBuilder.Services.AddKeyedSingleton<IGrainStorage>(GlobalBrainSiloBuilderExtensions.ShardStorage, Storage);
            siloBuilder.Services.AddSingleton(new ShardStorageScope(_endsWithCluster));
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = Experts;
                o.FlowRate = 0;
            });
        }
    }

    /// <summary>Keeps the last state written per grain (reads give it back) and counts the writes since <see cref="Reset"/>.</summary>
    private sealed class CountingStorage : IGrainStorage
    {
        private readonly ConcurrentDictionary<GrainId, object> _states = new();
        private int _writes;

        public int Writes => Volatile.Read(ref _writes);

        public void Reset() => Interlocked.Exchange(ref _writes, 0);

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (_states.TryGetValue(grainId, out var state))
            {
                grainState.State = (T)state;
                grainState.RecordExists = true;
                grainState.ETag = "1";
            }

            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            _states[grainId] = grainState.State!;
            grainState.ETag = "1";
            grainState.RecordExists = true;
            Interlocked.Increment(ref _writes);
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            _states.TryRemove(grainId, out _);
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
    }
}
