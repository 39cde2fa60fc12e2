using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Grains.Tests;

/// <summary>A running ingestion looks at membership again by itself: a silo that joins midway gets batches.</summary>
public sealed class DispatcherRediscoveryTests : OwnCluster<DispatcherRediscoveryTests.Silo>
{
    [Fact]
    public async Task ASiloThatJoinsDuringAnIngestion_GetsBatches()
    {
        var dispatcher = await IngestDispatcher.ConnectAsync(Cluster.Client, new IngestDispatcherOptions { MaxBatchDocuments = 4, RediscoverEvery = TimeSpan.FromMilliseconds(200) });
        var joined = new TaskCompletionSource<string>();

        var summary = await dispatcher.IngestAsync(Documents(), TokenizerSpec.Default);

        var silo = await joined.Task;
        Assert.Equal(400, summary.Accepted);
        Assert.True(summary.BatchesBySilo.GetValueOrDefault(silo) > 0, $"the silo that joined ({silo}) got no batch: {string.Join(", ", summary.BatchesBySilo)}");

        IEnumerable<DocumentInput> Documents()
        {
            for (var i = 0; i < 400; i++)
            {
                if (i == 100)
                {
                    // Read lazily: the second silo joins while the first batches are out.
                    var added = Cluster.StartAdditionalSiloAsync().GetAwaiter().GetResult();
                    joined.SetResult(added.SiloAddress.ToParsableString());
                }

                if (i > 100)
                {
                    Thread.Sleep(5);
                }

                yield return new DocumentInput($"doc-{i}", $"document {i} of an ingestion that outlives a silo joining the cluster");
            }
        }
    }

    public sealed class Silo : Orleans.TestingHost.ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddGlobalBrain();
            siloBuilder.Services.Configure<ExpertsOptions>(o => o.Count = 8);
        }
    }
}
