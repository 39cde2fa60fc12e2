using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GlobalBrain.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Xunit;

namespace GlobalBrain.Silo.Tests.Hosting;

/// <summary>
/// The metrics port's exposition against OpenTelemetry's Prometheus exporter, both reading the same meter provider:
/// the same bytes for every kind of instrument, unit, tag and name the exporter treats specially.
/// </summary>
public sealed class PrometheusTextExpositionTests
{
    [Fact]
    public async Task TheExposition_IsByteForByte_WhatOpenTelemetrysExporterWrites_ForTextFormat004()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        using var main = new Meter($"GlobalBrain.Test.{id}.main", "1.2.3", [T("team", "brain"), T("otel_scope_name", "not a scope")]);
        using var other = new Meter($"GlobalBrain.Test.{id}.other");
        using var exposition = new PrometheusTextExposition();
        await using var app = await StartExporterAsync(exposition, main.Name, other.Name);

        main.CreateCounter<long>("test.requests", "{request}", "Requests \\ seen\nby \"the\" silo").Add(7, T("route", "/v1/documents"), T("status", 200));
        main.CreateCounter<double>("test.busy", "s", "Time busy").Add(1.25, T("ok", true));
        main.CreateCounter<long>("test.payload", "By").Add(1 << 20);
        main.CreateCounter<double>("test.rate", "1/s").Add(0.1);
        main.CreateCounter<long>("test.ratio", "1").Add(3);
        main.CreateCounter<long>("test.annotated", "{doc}/s").Add(2);
        main.CreateCounter<long>("test.already_total").Add(1);
        main.CreateCounter<long>("test.time_seconds", "s").Add(4);
        main.CreateCounter<long>("test-dashes/slash.and_more").Add(9);
        var queue = main.CreateUpDownCounter<long>("test.queue", "{item}", "Queued items");
        queue.Add(5, T("silo", "a"));
        queue.Add(-2, T("silo", "a"));
        queue.Add(-1, T("silo", "b"));
        var latency = main.CreateHistogram<double>("test.latency", "ms", "Latency");
        foreach (var value in new[] { 0.0, 3.5, 12, 80, 4_000, 1e9 })
        {
            latency.Record(value, T("le", "mine"), T("op", "scrape"));
        }

        var sized = main.CreateHistogram<long>("test.sized", "By", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [10, 100, 1000] });
        sized.Record(5);
        sized.Record(50);
        sized.Record(5000);
        main.CreateObservableGauge("test.temperature", () => new[]
        {
            new Measurement<double>(21.5, new KeyValuePair<string, object?>("room", "a")),
            new Measurement<double>(-0.000123, new KeyValuePair<string, object?>("room", "b")),
            new Measurement<double>(1.5e300, new KeyValuePair<string, object?>("room", "c")),
            new Measurement<double>(double.NaN, new KeyValuePair<string, object?>("room", "d")),
            new Measurement<double>(double.PositiveInfinity, new KeyValuePair<string, object?>("room", "e")),
        }, "Cel");
        main.CreateObservableGauge("test.level", () => new Measurement<long>(long.MaxValue));
        main.CreateCounter<long>("test.tags").Add(1,
            T("int", 42), T("long", -7L), T("double", 3.0), T("small", 2.5e-7), T("large", 1e21), T("fraction", 0.1),
            T("float", 1.5f), T("bool", false), T("quoted", "say \"hi\"\nback\\slash"), T("unicode", "ñ中😀"),
            T("lone", "a\ud800b"), T("a.b", "dot"), T("a_b", "underscore"), T("1st", "digit"), T("", "empty"),
            T("many---dashes", "x"), T("trailing.", "y"));
        main.CreateCounter<long>("test.shared", "", "Shared by two meters").Add(1);
        other.CreateCounter<long>("test.shared", "", "").Add(2);
        other.CreateCounter<long>("test.undescribed").Add(1);
        main.CreateCounter<long>("test.conflict").Add(1);
        other.CreateObservableGauge("test.conflict_total", () => 5L);

        var ours = Encoding.UTF8.GetString(exposition.Collect() ?? throw new Xunit.Sdk.XunitException("the exposition's collection failed"));
        var theirs = await ScrapeAsync(app);

        Assert.Contains("test_requests_total{", ours, StringComparison.Ordinal);
        Assert.Contains("test_latency_milliseconds_bucket{", ours, StringComparison.Ordinal);
        Assert.Contains("target_info{", ours, StringComparison.Ordinal);
        Assert.Equal(theirs, ours);
    }

    [Fact]
    public void AScrape_OnTheMetricsPort_IsCollectedOnItsThread_WhileEveryThreadOfThePoolIsBlocked()
    {
        using var meter = new Meter($"GlobalBrain.Test.{Guid.NewGuid():N}");
        using var exposition = new PrometheusTextExposition();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddReader(exposition.Reader).Build();
        var collectedOn = -1;
        meter.CreateObservableGauge("test.thread", () =>
        {
            collectedOn = Environment.CurrentManagedThreadId;
            return 1L;
        });
        using var server = MetricsPortServer.Start("127.0.0.1", 0, exposition.ServeAsync, new ServiceCollection().BuildServiceProvider(), NullLogger.Instance);
        using var pool = new BlockedThreadPool();
        var watch = Stopwatch.StartNew();
        var response = Get(server.Endpoints[0], "/metrics");
        watch.Stop();

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("Content-Type: " + PrometheusTextExposition.ContentType, response, StringComparison.Ordinal);
        Assert.Contains("\ntest_thread{otel_scope_name=\"" + meter.Name + "\"} 1\n", response, StringComparison.Ordinal);
        Assert.NotEqual(-1, collectedOn);
        Assert.True(pool.Saturated, "the thread pool was not saturated, so the test proves nothing");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the scrape took {watch.Elapsed.TotalMilliseconds:F0} ms with the pool blocked");
    }

    [Fact]
    public async Task OnceTheMeterProviderIsDisposed_AScrapeIs500_NotAnEmptyExposition()
    {
        using var meter = new Meter($"GlobalBrain.Test.{Guid.NewGuid():N}");
        using var exposition = new PrometheusTextExposition();
        var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddReader(exposition.Reader).Build();
        meter.CreateCounter<long>("test.count").Add(1);
        var before = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        await exposition.ServeAsync(before);
        provider.Dispose();
        var after = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        await exposition.ServeAsync(after);

        Assert.Equal(200, before.Response.StatusCode);
        Assert.Contains("test_count_total{", Encoding.UTF8.GetString(((MemoryStream)before.Response.Body).ToArray()), StringComparison.Ordinal);
        Assert.Equal(500, after.Response.StatusCode);
        Assert.Equal(0, after.Response.Body.Length);
    }

    /// <summary>A web application with OpenTelemetry's exporter on a free loopback port; the exposition's reader on the same provider.</summary>
    private static async Task<WebApplication> StartExporterAsync(PrometheusTextExposition exposition, params string[] meters)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(meters)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)
            .AddReader(exposition.Reader));
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint();
        await app.StartAsync();
        return app;
    }

    private static async Task<string> ScrapeAsync(WebApplication app)
    {
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", "text/plain; version=0.0.4");
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
    }

    private static KeyValuePair<string, object?> T(string key, object? value) => new(key, value);

    private static string Get(IPEndPoint endpoint, string path)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
        client.Connect(endpoint);
        client.Send(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = client.Receive(buffer)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }
}
