using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace GlobalBrain.Grains.Tests.Quality;

/// <summary>
/// The duplicate memory is the cluster's, not a silo's: the same near-duplicate sent to two different silos at
/// the same time is kept once — through two dispatchers each held to one silo's ingest front, and through the
/// fronts directly.
/// </summary>
public sealed class MultiSiloDedupTests : OwnCluster<MultiSiloDedupTests.Silo>
{
    private static readonly IngestFilters Near = IngestFilters.Off with { Dedup = DedupMode.Near };

    protected override short Silos => 2;

    [Fact]
    public async Task TheSameNearDuplicate_SentToTwoSilos_IsKeptOnce()
    {
        var silos = Cluster.Silos.Select(s => s.SiloAddress.ToParsableString()).ToList();
        var originals = QualityTexts.Distinct(40, seed: 51);
        var toFirst = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4, UseFront = f => f.Silo == silos[0] });
        var toSecond = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4, UseFront = f => f.Silo == silos[1] });

        // Each text to one silo, its near duplicate to the other, both ingestions at once.
        var first = toFirst.IngestAsync(originals.Select((t, i) => new DocumentInput($"a{i}", i % 2 == 0 ? t : QualityTexts.NearVariant(t))), TokenizerSpec.Default, filters: Near);
        var second = toSecond.IngestAsync(originals.Select((t, i) => new DocumentInput($"b{i}", i % 2 == 0 ? QualityTexts.NearVariant(t) : t)), TokenizerSpec.Default, filters: Near);
        var summaries = await Task.WhenAll(first, second);

        Assert.Equal([silos[0]], summaries[0].BatchesBySilo.Keys);
        Assert.Equal([silos[1]], summaries[1].BatchesBySilo.Keys);
        Assert.Equal(40, summaries.Sum(s => s.Accepted));
        Assert.Equal(40, summaries.Sum(s => s.Filtered.Where(f => f is { Filter: FilterCount.Dedup, Reason: "near" }).Sum(f => f.Count)));
        var metrics = await Cluster.Client.GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        Assert.Equal(40, metrics.Documents);
    }

    [Fact]
    public async Task ABatchSentStraightToEachSilosFront_IsScreenedThere_AndTheDuplicateKeptOnce()
    {
        var text = QualityTexts.Distinct(1, seed: 61)[0];
        var fronts = Cluster.Silos.Select(s => Cluster.Client.GetGrain<IIngestGrain>(s.SiloAddress.ToParsableString())).ToList();

        var results = await Task.WhenAll(
            fronts[0].IngestAsync(new IngestBatch(Guid.NewGuid(), TokenizerSpec.Default, [new DocumentInput("x", text)]) { Filters = Near }),
            fronts[1].IngestAsync(new IngestBatch(Guid.NewGuid(), TokenizerSpec.Default, [new DocumentInput("y", QualityTexts.NearVariant(text))]) { Filters = Near }));

        Assert.Equal(Cluster.Silos.Select(s => s.SiloAddress.ToParsableString()), results.Select(r => r.EncodedOnSilo));
        Assert.Equal(1, results.Sum(r => r.Accepted));
        Assert.Equal(1, results.Sum(r => r.Filtered.Sum(f => f.Count)));
    }

    public sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o =>
            {
                o.Count = 8;
                o.FlowRate = 0;
            });
        }
    }
}
