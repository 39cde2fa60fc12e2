using System.Diagnostics;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Quality;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GlobalBrain.Grains.Tests.Quality;

/// <summary>
/// Duplicate claims follow the fate of their batch: confirmed once it is learned, released when the run gives it up
/// (failed, cancelled) — so a later run keeps those documents — and, when the claimant dies, taken by the next
/// claimant once the lease ran out; two runs that claim the same keys at once keep each document exactly once. The
/// same for a batch sent straight to an ingest front.
/// </summary>
public sealed class DedupClaimFateTests : OwnCluster<DedupClaimFateTests.Silo>
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    // The partitions' lease clock (the silos run in this process); nothing else in the silo runs on it.
    private static readonly FakeTimeProvider LeaseClock = new(DateTimeOffset.UnixEpoch);

    private static readonly IngestFilters Exact = IngestFilters.Off with { Dedup = DedupMode.Exact };

    [Fact]
    public async Task ABatchThatFails_ReleasesItsClaims_AndALaterRunKeepsItsDocuments()
    {
        var documents = QualityTexts.Distinct(6, seed: 71).Select((t, i) => new DocumentInput($"d{i}", t)).ToList();
        var dispatcher = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 3 });

        // Screened and claimed, then refused where it is tokenized (no such vocabulary): the run gives its batches up.
        var missingVocabulary = new TokenizerSpec("bert", Vocabulary: new string('0', 64));
        await Assert.ThrowsAsync<ArgumentException>(() => dispatcher.IngestAsync(documents, missingVocabulary, filters: Exact));
        Assert.Equal(0, await HeldKeysAsync());

        var (later, kept) = await IngestAsync(dispatcher, documents);

        Assert.Equal(6, later.Accepted);
        Assert.Equal(0, later.FilteredTotal);
        Assert.Equal(documents.Select(d => d.Id), kept);
        Assert.Equal(6, await HeldKeysAsync());
    }

    [Fact]
    public async Task ABatchSentStraightToAFront_ThatCannotBeLearned_ReleasesItsClaims_AndOneThatIsLearned_ConfirmsThem()
    {
        var text = QualityTexts.Distinct(1, seed: 75)[0];
        var front = Cluster.Client.GetGrain<IIngestGrain>(Cluster.Silos[0].SiloAddress.ToParsableString());
        var missingVocabulary = new TokenizerSpec("bert", Vocabulary: new string('0', 64));

        await Assert.ThrowsAsync<ArgumentException>(() => front.IngestAsync(new IngestBatch(Guid.NewGuid(), missingVocabulary, [new DocumentInput("x", text)]) { Filters = Exact }));
        Assert.Equal(0, await HeldKeysAsync());

        var learned = await front.IngestAsync(new IngestBatch(Guid.NewGuid(), TokenizerSpec.Default, [new DocumentInput("y", text)]) { Filters = Exact });
        var again = await front.IngestAsync(new IngestBatch(Guid.NewGuid(), TokenizerSpec.Default, [new DocumentInput("z", text)]) { Filters = Exact });
        Assert.Equal(1, learned.Accepted);
        Assert.Equal(0, again.Accepted);
        Assert.Equal(new FilterCount(FilterCount.Dedup, "exact", null, 1), Assert.Single(again.Filtered));
    }

    [Fact]
    public async Task ACancelledRun_ReleasesWhatItClaimed_WhileItWaitedForAnotherRunsClaim()
    {
        var texts = QualityTexts.Distinct(2, seed: 72);

        // A claimant that never settles holds the second text's key; every run outranks it, so the run waits for it.
        var blocker = await ClaimAsOtherRunAsync(texts[1], run: ulong.MaxValue);
        var dispatcher = await IngestDispatcher.ConnectAsync(Cluster.Client);
        using var cancel = new CancellationTokenSource();
        var run = dispatcher.IngestAsync([new DocumentInput("a", texts[0]), new DocumentInput("b", texts[1])], TokenizerSpec.Default, idempotencyKey: "waits", filters: Exact, cancellationToken: cancel.Token);
        await PollAsync(async () => await HeldKeysAsync() == 2, "the run claiming the first text's key");
        Assert.False(run.IsCompleted);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal(1, await HeldKeysAsync());
        await blocker.ReleaseAsync();
        var (later, kept) = await IngestAsync(dispatcher, [new DocumentInput("c", texts[0]), new DocumentInput("d", texts[1])]);
        Assert.Equal(["c", "d"], kept);
        Assert.Equal(0, later.FilteredTotal);
    }

    [Fact]
    public async Task AClaimantThatDies_LosesItsKeysWhenTheLeaseRunsOut_AndTheNextRunKeepsTheDocument()
    {
        var text = QualityTexts.Distinct(1, seed: 73)[0];

        // Its client dies between claiming and confirming; it outranks every other run, so they give way and try again.
        var dead = await ClaimAsOtherRunAsync(text, run: 0);
        var dispatcher = await IngestDispatcher.ConnectAsync(Cluster.Client);
        var started = LeaseClock.GetUtcNow();
        var next = IngestAsync(dispatcher, [new DocumentInput("next", text)]);

        var clock = Stopwatch.StartNew();
        while (!next.IsCompleted)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the run did not finish within 60 s of real time");
            LeaseClock.Advance(TimeSpan.FromSeconds(5));
            await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(20)));
        }

        var (summary, kept) = await next;
        Assert.Equal(["next"], kept);
        Assert.True(LeaseClock.GetUtcNow() - started >= Lease, $"the run took the key before the lease ran out ({LeaseClock.GetUtcNow() - started})");

        // Confirmed by the run that learned it: the dead claimant coming back changes nothing, later runs find a duplicate.
        await dead.ConfirmAsync();
        var (again, keptAgain) = await IngestAsync(dispatcher, [new DocumentInput("again", text)]);
        Assert.Equal(1, summary.Accepted);
        Assert.Empty(keptAgain);
        Assert.Equal(new FilterCount(FilterCount.Dedup, "exact", null, 1), Assert.Single(again.Filtered));
    }

    [Fact]
    public async Task TwoRunsClaimingTheSameKeysAtOnce_InOppositeOrders_KeepEachDocumentExactlyOnce()
    {
        var texts = QualityTexts.Distinct(24, seed: 74);
        var forward = texts.Select((t, i) => new DocumentInput($"f{i:D2}", t)).ToList();
        var backward = texts.Select((t, i) => new DocumentInput($"b{i:D2}", t)).Reverse().ToList();
        var first = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4 });
        var second = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4 });

        // Each holds keys the other wants: the rank between runs keeps them from waiting for each other (the lease
        // clock never moves here, so a circle of waits would never end).
        var runs = await Task.WhenAll(IngestAsync(first, forward), IngestAsync(second, backward)).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(24, runs.Sum(r => r.Summary.Accepted));
        Assert.Equal(24, runs.Sum(r => r.Summary.FilteredTotal));
        var kept = runs.SelectMany(r => r.Kept).Select(id => int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture)).Order();
        Assert.Equal(Enumerable.Range(0, 24), kept);
        Assert.Equal(24, await HeldKeysAsync());
    }

    [Fact]
    public async Task APartitionReloadedBetweenTwoCopiesInOneRun_DoesNotLetTheSecondCopyIn()
    {
        var text = QualityTexts.Distinct(1, seed: 76)[0];
        var screened = await ScreenAsync(text);
        var claimer = new DedupClaimer(Cluster.Client);
        var runClaims = new RunClaims();
        const ulong run = 5;

        // The first copy claims its key (its batch is being learned), then the partition's activation is lost, as when
        // its silo dies: the tentative claim goes with it.
        var first = await claimer.ClaimAsync(screened.Passed, DedupMode.Exact, run, firstOrdinal: 0, runClaims: runClaims);
        Assert.Equal([null], first.Verdicts);
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(0, await HeldKeysAsync());

        // The second copy, later in the same run: the run knows the key is its own.
        var second = await claimer.ClaimAsync(screened.Passed, DedupMode.Exact, run, firstOrdinal: 1, runClaims: runClaims);
        Assert.Equal(["exact"], second.Verdicts);

        // What the partition alone answers (the gap closed above): the key is free.
        var unguarded = await claimer.ClaimAsync(screened.Passed, DedupMode.Exact, run, firstOrdinal: 2);
        Assert.Equal([null], unguarded.Verdicts);
        await unguarded.ReleaseAsync();

        // Confirmed: the partition answers for the key from then on, and the run lets it go.
        await first.ConfirmAsync();
        Assert.Equal(0, runClaims.Count);
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var third = await claimer.ClaimAsync(screened.Passed, DedupMode.Exact, run, firstOrdinal: 3, runClaims: runClaims);
        Assert.Equal(["exact"], third.Verdicts);
    }

    private Task<ScreenedBatch> ScreenAsync(string text) => Cluster.Client.GetGrain<ITokenizerGrain>(0).ScreenAsync(
        new IngestBatch(Guid.NewGuid(), TokenizerSpec.Default, [new DocumentInput("other", text)]) { Filters = Exact });

    /// <summary>Claims the exact key of <paramref name="text"/> for a run of its own, the way a dispatcher would, and leaves it tentative.</summary>
    private async Task<DedupClaim> ClaimAsOtherRunAsync(string text, ulong run)
    {
        var screened = await ScreenAsync(text);
        var claim = await new DedupClaimer(Cluster.Client).ClaimAsync(screened.Passed, DedupMode.Exact, run, 0);
        Assert.Equal([null], claim.Verdicts);
        return claim;
    }

    /// <summary>Exact keys held by the partitions, confirmed or tentatively.</summary>
    private async Task<int> HeldKeysAsync()
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, DedupPartitions.ExactCount).Select(p => Cluster.Client.GetGrain<IDedupPartitionGrain>(DedupPartitions.ExactKey(p)).CountAsync()));
        return counts.Sum();
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{what} did not happen within 30 s");
            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }
    }

    private static Task<(IngestSummary Summary, List<string> Kept)> IngestAsync(IngestDispatcher dispatcher, IReadOnlyList<DocumentInput> documents) =>
        KeptDocuments.IngestAsync(dispatcher, documents, Exact);

    public sealed class Silo : Orleans.TestingHost.ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddKeyedSingleton<TimeProvider>(DedupPartitionGrain.LeaseClock, LeaseClock);
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = 4;
                o.FlowRate = 0;
            });
            siloBuilder.Services.Configure<QualitySettings>(o => o.ClaimLease = Lease);
        }
    }
}
