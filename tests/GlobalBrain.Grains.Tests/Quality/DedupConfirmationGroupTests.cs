using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using GlobalBrain.Grains.Quality;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Grains.Tests.Quality;

/// <summary>
/// A run's learned batches confirm their duplicate claims in groups (<see cref="IngestDispatcherOptions.ConfirmLinger"/>):
/// one call per partition for the whole group, every claim confirmed by the time the run returns, the same documents
/// kept as with each batch confirming alone, and a later run finds all of them.
/// </summary>
public sealed class DedupConfirmationGroupTests : OwnCluster<DedupConfirmationGroupTests.Silo>
{
    private static readonly IngestFilters Near = IngestFilters.Off with { Dedup = DedupMode.Near };

    [Fact]
    public async Task BatchesLearnedWithinTheLinger_AreConfirmedInOneCallPerPartition_AndAllBeforeTheRunReturns()
    {
        // 40 documents in 10 batches, one in four a near copy of an earlier one (kept once).
        var texts = QualityTexts.Distinct(30, seed: 81);
        var documents = texts.Select((t, i) => new DocumentInput($"d{i:D2}", t))
            .Concat(texts.Take(10).Select((t, i) => new DocumentInput($"n{i:D2}", QualityTexts.NearVariant(t))))
            .ToList();

        // A linger longer than the run: only the run's end sends the confirmations, all in one group.
        var grouped = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4, ConfirmLinger = TimeSpan.FromHours(1) });
        var before = ConfirmCalls.Count;
        var (summary, kept) = await KeptDocuments.IngestAsync(grouped, documents, Near);
        var calls = ConfirmCalls.Count - before;

        Assert.Equal(30, summary.Accepted);
        Assert.Equal(10, summary.FilteredTotal);
        Assert.Equal(texts.Select((_, i) => $"d{i:D2}"), kept);

        // One call per partition that holds a key of the run (at most every exact and every band partition), where
        // ten batches confirming alone make one per batch and partition.
        Assert.InRange(calls, 1, DedupPartitions.ExactCount + DedupPartitions.NearCount);
        var touched = await PartitionsHoldingKeysAsync();
        Assert.Equal(touched, calls);

        // Every key is the partitions' when the run has returned: the same documents again are all duplicates.
        var again = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4, ConfirmLinger = TimeSpan.Zero });
        var (repeated, keptAgain) = await KeptDocuments.IngestAsync(again, [.. documents.Select(d => d with { Id = "again-" + d.Id })], Near);
        Assert.Equal(0, repeated.Accepted);
        Assert.Equal(40, repeated.FilteredTotal);
        Assert.Empty(keptAgain);
    }

    [Fact]
    public async Task ConfirmingEachBatchAlone_KeepsTheSameDocuments_AsConfirmingInGroups()
    {
        var results = new List<List<string>>();
        foreach (var (linger, seed) in new[] { (TimeSpan.Zero, 82), (TimeSpan.FromMilliseconds(250), 83) })
        {
            // Texts of their own per run, made the same way (every third one's exact copy after the 24), so neither run is
            // the other's duplicate and both should keep the same positions.
            var texts = QualityTexts.Distinct(24, seed);
            var documents = texts.Select((t, i) => new DocumentInput($"a{i:D2}", t))
                .Concat(texts.Where((_, i) => i % 3 == 0).Select((t, i) => new DocumentInput($"c{i:D2}", QualityTexts.ExactVariant(t))))
                .ToList();
            var dispatcher = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 3, ConfirmLinger = linger });
            var (summary, kept) = await KeptDocuments.IngestAsync(dispatcher, documents, Near);
            Assert.Equal(24, summary.Accepted);
            Assert.Equal(8, summary.FilteredTotal);
            results.Add(kept);
        }

        Assert.Equal(Enumerable.Range(0, 24).Select(i => $"a{i:D2}"), results[0]);
        Assert.Equal(results[0], results[1]);
    }

    /// <summary>Partitions (exact and band) that hold a key, confirmed or tentatively.</summary>
    private async Task<int> PartitionsHoldingKeysAsync()
    {
        var keys = Enumerable.Range(0, DedupPartitions.ExactCount).Select(DedupPartitions.ExactKey)
            .Concat(Enumerable.Range(0, DedupPartitions.NearCount).Select(DedupPartitions.NearKey));
        var counts = await Task.WhenAll(keys.Select(k => Cluster.Client.GetGrain<IDedupPartitionGrain>(k).CountAsync()));
        return counts.Count(c => c > 0);
    }

    /// <summary>Counts the confirmations the partitions receive (the silo runs in the test's process).</summary>
    private static class ConfirmCalls
    {
        private static int _count;

        public static int Count => Volatile.Read(ref _count);

        public static void Add() => Interlocked.Increment(ref _count);
    }

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
            siloBuilder.AddIncomingGrainCallFilter(context =>
            {
                if (context.Grain is DedupPartitionGrain && context.InterfaceMethod?.Name == nameof(IDedupPartitionGrain.ConfirmAsync))
                {
                    ConfirmCalls.Add();
                }

                return context.Invoke();
            });
        }
    }
}
