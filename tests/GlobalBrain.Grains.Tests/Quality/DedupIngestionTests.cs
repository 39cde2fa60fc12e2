using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Grains.Tests.Quality;

/// <summary>
/// Duplicates through the dispatcher: kept once, the first in input order however the batches race, across
/// runs (also after the partitions were re-activated from storage), and a run sent again under its
/// idempotency key is not its own duplicate.
/// </summary>
public sealed class DedupIngestionTests : OwnCluster<DedupIngestionTests.Silo>
{
    private static readonly IngestFilters Exact = IngestFilters.Off with { Dedup = DedupMode.Exact };
    private static readonly IngestFilters Near = IngestFilters.Off with { Dedup = DedupMode.Near };

    [Fact]
    public async Task ExactDuplicates_AreKeptOnce_TheFirstInInputOrder_HoweverTheBatchesRace()
    {
        for (var round = 0; round < 3; round++)
        {
            var originals = QualityTexts.Distinct(20, seed: 100 + round);

            // Three copies of each text; the later two are case/punctuation variants, spread over 20 small batches.
            var documents = Enumerable.Range(0, 60)
                .Select(i => new DocumentInput($"r{round}-d{i:D2}", i < 20 ? originals[i] : QualityTexts.ExactVariant(originals[i % 20])))
                .ToList();
            var (summary, kept) = await IngestAsync(documents, Exact);

            Assert.Equal(20, summary.Accepted);
            Assert.Equal(40, summary.FilteredTotal);
            Assert.Equal(new FilterCount(FilterCount.Dedup, "exact", null, 40), Assert.Single(summary.Filtered));
            Assert.Equal([.. Enumerable.Range(0, 20).Select(i => $"r{round}-d{i:D2}")], kept.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task NearDuplicates_AreKeptOnce_AndExactOnesAreNamedSo()
    {
        var originals = QualityTexts.Distinct(30, seed: 7);
        var documents = originals.Select((t, i) => new DocumentInput($"o{i:D2}", t))
            .Concat(originals.Take(10).Select((t, i) => new DocumentInput($"n{i:D2}", QualityTexts.NearVariant(t))))
            .Concat(originals.Skip(10).Take(5).Select((t, i) => new DocumentInput($"e{i:D2}", QualityTexts.ExactVariant(t))))
            .ToList();

        var (summary, kept) = await IngestAsync(documents, Near);

        Assert.Equal(30, summary.Accepted);
        Assert.Equal(10, summary.Filtered.Single(f => f.Reason == "near").Count);
        Assert.Equal(5, summary.Filtered.Single(f => f.Reason == "exact").Count);
        Assert.All(kept, id => Assert.StartsWith("o", id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASecondRun_FindsTheFirstRunsDocuments_AlsoAfterThePartitionsCameBackFromStorage()
    {
        var texts = QualityTexts.Distinct(25, seed: 21);
        var first = await IngestAsync([.. texts.Select((t, i) => new DocumentInput($"first-{i}", t))], Near);
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var fresh = QualityTexts.Distinct(1, seed: 22)[0];
        var (second, kept) = await IngestAsync(
            [.. texts.Select((t, i) => new DocumentInput($"second-{i}", i % 2 == 0 ? t : QualityTexts.NearVariant(t))), new DocumentInput("second-new", fresh)],
            Near);

        Assert.Equal(25, first.Summary.Accepted);
        Assert.Equal(1, second.Accepted);
        Assert.Equal(["second-new"], kept);
        Assert.Equal(13, second.Filtered.Single(f => f.Reason == "exact").Count);
        Assert.Equal(12, second.Filtered.Single(f => f.Reason == "near").Count);
    }

    [Fact]
    public async Task ARunSentAgainUnderItsIdempotencyKey_IsNotItsOwnDuplicate_AndCountsNothingTwice()
    {
        var texts = QualityTexts.Distinct(12, seed: 31);
        var documents = texts.Select((t, i) => new DocumentInput($"key-{i}", t)).Append(new DocumentInput("key-dup", texts[0])).ToList();
        var dispatcher = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4 });

        var first = await dispatcher.IngestAsync(documents, TokenizerSpec.Default, idempotencyKey: "request-1", filters: Near);
        var before = await Cluster.Client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        var again = await dispatcher.IngestAsync(documents, TokenizerSpec.Default, idempotencyKey: "request-1", filters: Near);
        var after = await Cluster.Client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        var other = await dispatcher.IngestAsync(documents, TokenizerSpec.Default, idempotencyKey: "request-2", filters: Near);

        Assert.Equal(12, first.Accepted);
        Assert.Equal(1, first.FilteredTotal);
        Assert.Equal(12, again.Accepted);
        Assert.Equal(1, again.FilteredTotal);
        Assert.Equal(before.Documents, after.Documents);
        Assert.Equal(0, other.Accepted);
        Assert.Equal(13, other.FilteredTotal);
    }

    private async Task<(IngestSummary Summary, List<string> Kept)> IngestAsync(IReadOnlyList<DocumentInput> documents, IngestFilters filters) =>
        await KeptDocuments.IngestAsync(await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 3 }), documents, filters);

    public sealed class Silo : Orleans.TestingHost.ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = 4;
                o.FlowRate = 0;
            });
        }
    }
}
