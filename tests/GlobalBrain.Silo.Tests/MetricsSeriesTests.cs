using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GlobalBrain.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace GlobalBrain.Silo.Tests;

/// <summary>/metrics on its own port, and a series count that does not grow with N.</summary>
public sealed class MetricsSeriesTests
{
    [Fact]
    public async Task MetricsPort_ServesMetricsThere_AndNotOnTheApiPort()
    {
        var api = FreePorts.Next();
        var metrics = FreePorts.Next();
        await using var silo = await StartAsync(api, ["--GlobalBrain:Metrics:Port", Text(metrics)]);
        using var http = new HttpClient();

        var onMetricsPort = await http.GetAsync(new Uri($"http://127.0.0.1:{metrics}/metrics"));
        var onApiPort = await http.GetAsync(new Uri($"http://127.0.0.1:{api}/metrics"));

        Assert.Equal(HttpStatusCode.OK, onMetricsPort.StatusCode);
        var body = await onMetricsPort.Content.ReadAsStringAsync();
        Assert.Contains("orleans_", body, StringComparison.Ordinal);

        // Orleans' gauges whose callbacks visit every activation or directory-cache entry at each collection (a
        // scrape's cost then grows with N: the cache's made a scrape's p50 224–296 ms at 10^6 experts, 4 ms without it) are dropped.
        Assert.DoesNotContain("orleans_messaging_processing_activation_data", body, StringComparison.Ordinal);
        Assert.DoesNotContain("orleans_directory_cache_size", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, onApiPort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://127.0.0.1:{api}/healthz/live"))).StatusCode);
    }

    [Fact]
    public async Task GlobalBrainSeries_AreTheSameInNumber_AtTenAndTenThousandExperts()
    {
        var small = await SeriesAfterIngestAsync(10);
        var large = await SeriesAfterIngestAsync(10_000);

        Assert.Equal(small, large);
        Assert.Contains(small, s => s.StartsWith("globalbrain_reach_mean{", StringComparison.Ordinal));
        Assert.Contains(small, s => s.StartsWith("globalbrain_exchanges_total{", StringComparison.Ordinal));
    }

    /// <summary>The globalbrain_* series (name and labels, without values) once every kind has appeared.</summary>
    private static async Task<List<string>> SeriesAfterIngestAsync(int experts)
    {
        var api = FreePorts.Next();
        await using var silo = await StartAsync(api,
        [
            "--GlobalBrain:Experts:Count", Text(experts),
            "--GlobalBrain:Experts:FlowRate", "0.2",
            "--GlobalBrain:Knowledge:Precision", "8",
            "--GlobalBrain:Metrics:Interval", "00:00:01",
        ]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };
        var lines = string.Join('\n', Enumerable.Range(0, 30).Select(i => $"{{\"id\":\"s{i}\",\"text\":\"series do not depend on N {i}\"}}")) + "\n{\"id\":\"empty\",\"text\":\"\"}\n";
        (await http.PostAsync(new Uri("/v1/documents", UriKind.Relative), new StringContent(lines, Encoding.UTF8, "application/x-ndjson"))).EnsureSuccessStatusCode();

        return await Poll.UntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
                var text = await (await http.SendAsync(request)).Content.ReadAsStringAsync();
                return (List<string>)[.. text.Split('\n').Where(l => l.StartsWith("globalbrain_", StringComparison.Ordinal)).Select(l => l[..l.LastIndexOf(' ')]).Order(StringComparer.Ordinal)];
            },
            series => series.Any(s => s.StartsWith("globalbrain_reach_mean{", StringComparison.Ordinal)) && series.Any(s => s.StartsWith("globalbrain_exchanges_total{", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(300));
    }

    private static async Task<RunningSilo> StartAsync(int api, string[] extra)
    {
        var app = SiloApp.Build(
        [
            .. SiloCommandLine.OnLoopback(api),
            "--Logging:LogLevel:Default", "Warning",
            .. extra,
        ]);
        await app.StartAsync();
        return new RunningSilo(app);
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class RunningSilo(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
