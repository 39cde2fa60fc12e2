using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Domain.Metrics;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// Gathers every expert's report and computes N, v, I, reach and C. Stateless: the exact counts
/// live in the experts' per-origin counters, the union is the register-wise maximum of their sketches.
/// </summary>
[Reentrant]
public sealed class AggregatorGrain(
    IOptions<ExpertsOptions> experts,
    IOptions<KnowledgeOptions> knowledge,
    IClusterMembershipService membership,
    TimeProvider time) : Grain, IAggregatorGrain
{
    public Task<ClusterSettings> GetSettingsAsync() => Task.FromResult(new ClusterSettings(
        experts.Value.Count, experts.Value.FlowRate, knowledge.Value.Precision, knowledge.Value.ShingleWidth));

    /// <summary>Reports asked at once: each carries a sketch (16 KB at p = 14), so asking all N together would hold N of them.</summary>
    private const int ReportsPerWave = 2048;

    // The union of every sketch seen so far and which version of each expert's sketch it holds:
    // sketches only grow, so a refresh merges only the experts that changed since the last one.
    private byte[]? _union;
    private Guid[] _incarnations = [];
    private long[] _versions = [];

    public async Task<ClusterMetrics> GetMetricsAsync()
    {
        var n = experts.Value.Count;
        if (_union is null || _versions.Length != n)
        {
            _union = new byte[1 << knowledge.Value.Precision];
            _incarnations = new Guid[n];
            _versions = new long[n];
        }

        var union = _union;
        var held = new double[n];
        long documents = 0, tokens = 0, exchanges = 0, bytes = 0;

        // In waves, merging each wave's sketches before asking the next: memory stays at one wave's
        // reports whatever N is (at N = 10^5 all at once held 1.6 GB and stalled the silo's scrapes).
        for (var start = 0; start < n; start += ReportsPerWave)
        {
            var count = Math.Min(ReportsPerWave, n - start);
            var calls = new Task<ExpertReport>[count];
            for (var i = 0; i < count; i++)
            {
                calls[i] = GrainFactory.GetGrain<IExpertGrain>(start + i).GetReportAsync(_incarnations[start + i], _versions[start + i]);
            }

            var reports = await Task.WhenAll(calls);
            for (var i = 0; i < count; i++)
            {
                var report = reports[i];
                report.Items?.MaxInto(union);

                _incarnations[start + i] = report.Incarnation;
                _versions[start + i] = report.Version;
                held[start + i] = report.Knowledge;
                documents += report.OwnDocuments;
                tokens += report.OwnTokens;
                exchanges += report.ExchangesStarted;
                bytes += report.BytesExchanged;
            }
        }

        var reach = ReachSummary.Compute(held, HyperLogLog.Estimate(union));
        var silos = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        return new ClusterMetrics(
            n,
            experts.Value.FlowRate,
            documents,
            tokens,
            reach.DistinctItems,
            reach.MeanReach,
            reach.MinReach,
            reach.MedianReach,
            reach.StdReach,
            reach.CollectiveIntelligence,
            exchanges,
            bytes,
            silos,
            time.GetUtcNow());
    }
}
