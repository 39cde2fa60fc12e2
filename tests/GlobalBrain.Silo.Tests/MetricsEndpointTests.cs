using System.Net.Http.Headers;
using System.Text;

namespace GlobalBrain.Silo.Tests;

/// <summary>/metrics serves the GlobalBrain meter (counters, histograms in seconds and bytes, the aggregator's gauges) next to Orleans' own.</summary>
public sealed class MetricsEndpointTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static readonly string[] Gauges =
        ["globalbrain_experts", "globalbrain_flow_rate_per_second", "globalbrain_items_distinct", "globalbrain_reach_mean", "globalbrain_reach_min", "globalbrain_collective_intelligence"];

    [Fact]
    public async Task Metrics_AfterAnIngestion_ShowsCountersHistogramsAndGauges()
    {
        var body = new StringContent("{\"id\":\"m1\",\"text\":\"metrics for the global brain\"}\n{\"id\":\"m2\",\"text\":\"\"}\n", Encoding.UTF8, "application/x-ndjson");
        (await silo.Http.PostAsync(new Uri("/v1/documents", UriKind.Relative), body)).EnsureSuccessStatusCode();

        // The first scrape starts the gauges' refresh from the aggregator; a later one shows it.
        var text = await Poll.UntilAsync(
            ScrapeAsync, t => Gauges.All(g => t.Contains($"\n{g}{{", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));

        Assert.Contains("# TYPE globalbrain_ingest_documents_total counter", text, StringComparison.Ordinal);
        Assert.Contains("globalbrain_ingest_rejected_total{otel_scope_name=\"GlobalBrain\",reason=\"empty\"}", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE globalbrain_tokenize_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("globalbrain_tokenize_duration_seconds_bucket{otel_scope_name=\"GlobalBrain\",le=\"0.0005\"}", text, StringComparison.Ordinal);
        Assert.Contains("globalbrain_ingest_batch_size_bytes_bucket{otel_scope_name=\"GlobalBrain\",le=\"1024\"}", text, StringComparison.Ordinal);
        Assert.All(Gauges, g => Assert.Contains($"\n{g}{{", text, StringComparison.Ordinal));
        Assert.Contains("orleans_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("expert=\"", text, StringComparison.Ordinal);
    }

    private async Task<string> ScrapeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        using var response = await silo.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}
