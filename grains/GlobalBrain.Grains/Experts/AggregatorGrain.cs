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

    public async Task<ClusterMetrics> GetMetricsAsync()
    {
        var n = experts.Value.Count;
        var calls = new Task<ExpertReport>[n];
        for (var i = 0; i < n; i++)
        {
            calls[i] = GrainFactory.GetGrain<IExpertGrain>(i).GetReportAsync();
        }

        var reports = await Task.WhenAll(calls);
        var union = new HyperLogLog(knowledge.Value.Precision);
        var held = new double[n];
        long documents = 0, tokens = 0, exchanges = 0, bytes = 0;
        for (var i = 0; i < n; i++)
        {
            var report = reports[i];
            union.Merge(report.Registers);
            held[i] = report.Knowledge;
            documents += report.OwnDocuments;
            tokens += report.OwnTokens;
            exchanges += report.ExchangesStarted;
            bytes += report.BytesExchanged;
        }

        var reach = ReachSummary.Compute(held, union.Estimate());
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
