using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Storage;
using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests.Experts;

/// <summary>
/// Group commit (<see cref="KnowledgeOptions.GroupCommit"/>): batches that an ingest front sends while others are in
/// flight wait for each other at the expert and share one write; a batch sent alone is written at once. The silo's
/// clock is a fake that only the test moves, so "waits" and "at once" are told apart without timing anything.
/// </summary>
public sealed class GroupCommitTests : IAsyncLifetime
{
    private const int Experts = 3;
    private static readonly TimeSpan GroupCommit = TimeSpan.FromMilliseconds(500);
    private static RecordingStorage Storage = new();
    private static FakeTimeProvider Time = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        Storage = new RecordingStorage();
        Time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<Silo>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task BatchesSentWhileOthersAreInFlight_WaitTheGroupCommitTime_AndShareOneWrite()
    {
        var expert = await ActiveExpertAsync(1);
        var report = await expert.GetReportAsync();
        var (before, learned) = (report.OwnDocuments, report.Version);
        Storage.Reset();

        var batches = Enumerable.Range(0, 4)
            .Select(i => expert.LearnAsync(new KnowledgeDelta(Guid.NewGuid(), 1, 3, Items(2)) { OthersInFlight = 3 }))
            .ToArray();

        // All four have arrived (learned, not yet stored) while the clock stands still: none is acknowledged, nothing written.
        await Poll.WaitForAsync("the four batches to be learned", async () => (await expert.GetReportAsync()).Version == learned + 4, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10));
        Assert.All(batches, b => Assert.False(b.IsCompleted));
        Assert.Equal(0, Storage.Writes);
        Assert.Equal(before, (await expert.GetReportAsync()).OwnDocuments);

        Time.Advance(GroupCommit);
        await Task.WhenAll(batches).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, Storage.Writes);
        Assert.Equal(before + 4, (await expert.GetReportAsync()).OwnDocuments);
    }

    [Fact]
    public async Task ABatchSentAlone_IsWrittenAtOnce()
    {
        var expert = await ActiveExpertAsync(2);
        Storage.Reset();

        // The clock never moves: a write that waited for it would never come.
        await expert.LearnAsync(new KnowledgeDelta(Guid.NewGuid(), 1, 3, Items(2))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, Storage.Writes);
    }

    [Fact]
    public async Task TheIngestFront_TellsTheExperts_WhenOtherBatchesAreInFlight()
    {
        var expert = await ActiveExpertAsync(0);
        var learned = (await expert.GetReportAsync()).Version;
        Storage.Reset();
        var front = _cluster.Client.GetGrain<IIngestGrain>("any-silo");
        var ids = Enumerable.Range(0, 1000).Select(i => $"doc-{i}").Where(id => ExpertRouting.ExpertFor(id, Experts) == 0).Take(6).ToArray();

        // Six batches sent together, one document each, every one for expert 0.
        var batches = ids.Select((id, i) => front.IngestAsync(new IngestBatch(Guid.NewGuid(), TokenizerSpec.Default, [new DocumentInput(id, $"batch {i}: group commit shares one write among the batches in flight {Guid.NewGuid()}")]))).ToArray();
        await Poll.WaitForAsync("the six batches to reach the expert", async () => (await expert.GetReportAsync()).Version == learned + 6, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10));

        // The clock stands still: a batch the front sent while others were in flight waits for it; one sent alone did not.
        var waiting = batches.Count(b => !b.IsCompleted);
        Assert.True(waiting > 0, "no batch waited for the group-commit time: the front did not say that others were in flight");
        Time.Advance(GroupCommit);
        var results = await Task.WhenAll(batches).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(results, r => Assert.Equal(1, r.Accepted));
        Assert.True(Storage.Writes < batches.Length, $"{Storage.Writes} writes for {batches.Length} batches: the waiting batches did not share a write");
    }

    /// <summary>An expert activated (its first batch stored, the clock moved for it), ready for the test's batches.</summary>
    private async Task<IExpertGrain> ActiveExpertAsync(int key)
    {
        var expert = _cluster.Client.GetGrain<IExpertGrain>(key);
        await expert.LearnAsync(new KnowledgeDelta(Guid.NewGuid(), 1, 3, Items(3))).WaitAsync(TimeSpan.FromSeconds(30));
        return expert;
    }

    /// <summary>Item hashes spread over the sketch's registers, as the tokenizer's are.</summary>
    private static ulong[] Items(int count) => [.. Enumerable.Range(0, count).Select(_ => (ulong)Random.Shared.NextInt64() ^ ((ulong)Random.Shared.Next() << 63))];

    public sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain(addMemoryStorage: false);
            siloBuilder.Services.AddKeyedSingleton<IGrainStorage>(GlobalBrainSiloBuilderExtensions.ShardStorage, Storage);
            siloBuilder.Services.AddSingleton<TimeProvider>(Time);
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = Experts;
                o.FlowRate = 0;
            });
            siloBuilder.Services.Configure<KnowledgeOptions>(o =>
            {
                o.GroupCommit = GroupCommit;
                o.FlushInterval = TimeSpan.FromHours(1);
            });
        }
    }
}
