using System.Net.Http.Headers;
using System.Text;

namespace GlobalBrain.Silo.Tests.Observability;

/// <summary>
/// A real silo in its own process on free loopback ports, gauges refreshed every second, shared by the observability tests;
/// <c>/metrics</c> on its own port, as the manifests deploy it (the exposition Prometheus and promtool read is that port's).
/// </summary>
/// <remarks>
/// Out of process on purpose: silos hosted side by side in the test process share the process-wide meter listeners,
/// and a scrape of one then misses series; Prometheus must see what a deployed silo serves.
/// </remarks>
public sealed class ObservedSiloFixture : IAsyncLifetime
{
    private ServerProcess? _process;
    private int _batch;

    public int HttpPort { get; private set; }

    /// <summary>The port that serves <c>/metrics</c> (<c>GlobalBrain:Metrics:Port</c>).</summary>
    public int MetricsPort { get; private set; }

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        HttpPort = FreePorts.Next();
        MetricsPort = FreePorts.Next();
        _process = ServerProcess.Start(
            "the silo",
            "dotnet",
            [
                SiloCommandLine.Dll,
                .. SiloCommandLine.OnLoopback(HttpPort),
                "--GlobalBrain:Experts:Count", "8",
                "--GlobalBrain:Experts:FlowRate", "5",
                "--GlobalBrain:Metrics:Interval", "00:00:01",
                "--GlobalBrain:Metrics:Port", MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--Logging:LogLevel:Default", "Warning",
            ],
            AppContext.BaseDirectory);
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        await _process.WaitUntilReadyAsync(Http, "/healthz/ready", TimeSpan.FromSeconds(90));
    }

    /// <summary>Posts a small batch: two documents and one that is rejected (empty text), so every counter moves.</summary>
    public async Task IngestAsync()
    {
        var n = Interlocked.Increment(ref _batch);
        // The first text is new in every batch (its tag is letters: digits fold to 0 when duplicates are compared);
        // the second differs from batch to batch only in a number, so after the first batch it is an exact duplicate
        // (the filtered counter), and it holds an address (the personal-data counter): the data-quality row has data.
        var tag = string.Concat(n.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(d => (char)('a' + d - '0')));
        var ndjson =
            $"{{\"id\":\"obs-{n}-a\",\"text\":\"the global brain learns batch {tag} from many experts\"}}\n" +
            $"{{\"id\":\"obs-{n}-b\",\"text\":\"knowledge spreads by gossip exchange {n}, ask ops@example.org\"}}\n" +
            $"{{\"id\":\"obs-{n}-c\",\"text\":\"\"}}\n";
        using var body = new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson");
        using var response = await Http.PostAsync(new Uri("/v1/documents", UriKind.Relative), body);
        response.EnsureSuccessStatusCode();
    }

    public async Task<string> ScrapeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{MetricsPort}/metrics"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public Task DisposeAsync()
    {
        Http?.Dispose();
        _process?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class ObservedSiloDefinition : ICollectionFixture<ObservedSiloFixture>
{
    public const string Name = "Observed silo";
}
