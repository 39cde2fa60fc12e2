using System.Buffers;
using GlobalBrain.Domain.Knowledge;
using GlobalBrain.Domain.Metrics;
using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace GlobalBrain.Grains.Experts;

/// <summary>
/// Computes N, v, I, reach and C from every silo's partial aggregator (<see cref="SiloAggregatorGrain"/>):
/// one call per silo, whatever N is. Experts that no partial holds (not active anywhere, or not
/// reported yet) are asked directly, which wakes them; from then on they report to their silo. The
/// figures are those of a direct union over all N experts: exact counts from the experts' own
/// totals, I the estimate of the union of their sketches, reach from each one's estimate.
/// </summary>
[Reentrant]
public sealed class AggregatorGrain(
    IOptions<ExpertsOptions> experts,
    IOptions<KnowledgeOptions> knowledge,
    IClusterMembershipService membership,
    TimeProvider time,
    IHostApplicationLifetime lifetime) : Grain, IAggregatorGrain
{
    /// <summary>Experts woken at once: each answer carries a sketch, so asking all N together would hold N of them.</summary>
    private const int ReportsPerWave = 2048;

    public Task<ClusterSettings> GetSettingsAsync() => Task.FromResult(new ClusterSettings(
        experts.Value.Count, experts.Value.FlowRate, knowledge.Value.Precision, knowledge.Value.ShingleWidth));

    /// <summary>The pass under way, if one is (the grain is reentrant: passes may overlap).</summary>
    private Task<ClusterMetrics>? _pass;

    /// <summary>The figures of the pass that ended last.</summary>
    private ClusterMetrics? _last;

    public Task<ClusterMetrics> GetRecentMetricsAsync(TimeSpan maxAge)
    {
        if (_last is { } last && time.GetUtcNow() - last.Timestamp <= maxAge)
        {
            return Task.FromResult(last);
        }

        if (_pass is { IsCompleted: false } running)
        {
            return running;
        }

        return _pass = GetMetricsAsync();
    }

    public async Task<ClusterMetrics> GetMetricsAsync()
    {
        var metrics = await PassAsync();
        if (_last is null || metrics.Timestamp >= _last.Timestamp)
        {
            _last = metrics;
        }

        return metrics;
    }

    private async Task<ClusterMetrics> PassAsync()
    {
        var n = experts.Value.Count;
        var silos = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        var partials = await Task.WhenAll(silos.Select(s => GrainFactory.GetGrain<ISiloAggregatorGrain>(s.ToParsableString()).GetPartialAsync()));

        var union = new byte[1 << knowledge.Value.Precision];

        // Two arrays of N for this pass, from the pool: at 10^6 they are 9 MB on the large-object heap per
        // pass (every silo's metrics refresh asks for one), whose allocations start full collections.
        // Only the first n entries of each are used (the pool may give longer ones).
        var held = ArrayPool<double>.Shared.Rent(n);
        var seen = ArrayPool<bool>.Shared.Rent(n);
        try
        {
            return await MetricsAsync(n, silos, partials, union, held, seen);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(held);
            ArrayPool<bool>.Shared.Return(seen);
        }
    }

    private async Task<ClusterMetrics> MetricsAsync(int n, List<SiloAddress> silos, PartialMetrics[] partials, byte[] union, double[] held, bool[] seen)
    {
        Array.Clear(held, 0, n);
        Array.Clear(seen, 0, n);
        long exchanges = 0, bytes = 0;
        DateTimeOffset? lastLearned = null;
        foreach (var partial in partials)
        {
            partial.Union.MaxInto(union);
            for (var i = 0; i < partial.Experts.Length; i++)
            {
                // An expert that moved may still be on its old silo's board for a moment: counted once.
                var expert = partial.Experts[i];
                if ((uint)expert < (uint)n && !seen[expert])
                {
                    seen[expert] = true;
                    held[expert] = partial.Knowledge[i];
                }
            }

            exchanges += partial.Exchanges;
            bytes += partial.BytesExchanged;
            lastLearned = Later(lastLearned, partial.LastLearned);
        }

        // Own totals from one board each: an expert on two boards for a moment counts once.
        var (documents, tokens) = OwnTotals(partials, n);
        var woken = await AskMissingAsync(n, seen, held, union);
        var reach = ReachSummary.Compute(held.AsSpan(0, n), HyperLogLog.Estimate(union));
        return new ClusterMetrics(
            n,
            experts.Value.FlowRate,
            documents + woken.Documents,
            tokens + woken.Tokens,
            reach.DistinctItems,
            reach.MeanReach,
            reach.MinReach,
            reach.MedianReach,
            reach.StdReach,
            reach.CollectiveIntelligence,
            exchanges + woken.Exchanges,
            bytes + woken.Bytes,
            silos.Count,
            time.GetUtcNow())
        {
            LastLearned = lastLearned,
            Woken = woken.Count,
        };
    }

    private static (long Documents, long Tokens) OwnTotals(PartialMetrics[] partials, int n)
    {
        var counted = new HashSet<int>();
        long documents = 0, tokens = 0;
        foreach (var own in partials.SelectMany(p => p.Own))
        {
            if ((uint)own.Origin < (uint)n && counted.Add(own.Origin))
            {
                documents += own.Documents;
                tokens += own.Tokens;
            }
        }

        return (documents, tokens);
    }

    /// <summary>
    /// Asks every expert no partial held, in waves, and adds what they answer — unless this silo is stopping:
    /// its experts are then leaving the boards, and waking them would place them again (or, with every silo
    /// stopping, fail placement for each, logged with its retries). Those not asked count as knowing nothing.
    /// </summary>
    private async Task<(int Count, long Documents, long Tokens, long Exchanges, long Bytes)> AskMissingAsync(int n, bool[] seen, double[] held, byte[] union)
    {
        var missing = Enumerable.Range(0, n).Where(i => !seen[i]).ToArray();
        long documents = 0, tokens = 0, exchanges = 0, bytes = 0;
        var asked = 0;
        for (var start = 0; start < missing.Length && !lifetime.ApplicationStopping.IsCancellationRequested; start += ReportsPerWave)
        {
            var wave = new ArraySegment<int>(missing, start, Math.Min(ReportsPerWave, missing.Length - start));
            var reports = await Task.WhenAll(wave.Select(e => GrainFactory.Expert(e).GetReportAsync()));
            foreach (var report in reports)
            {
                report.Items.MaxInto(union);
                held[report.Expert] = report.Knowledge;
                documents += report.OwnDocuments;
                tokens += report.OwnTokens;
                exchanges += report.ExchangesStarted;
                bytes += report.BytesExchanged;
            }

            asked += wave.Count;
        }

        return (asked, documents, tokens, exchanges, bytes);
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : (a > b ? a : b);
}
