using System.Globalization;
using System.Net.Http.Headers;
using GlobalBrain.Grains;
using GlobalBrain.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GlobalBrain.Silo.Tests.Api;

/// <summary>
/// A real silo (Kestrel and Orleans, in this process) on free loopback ports with an API key, /metrics and
/// the health probes on their own port, and small limits so that every limit can be hit cheaply:
/// 64 KiB bodies, 100 documents per request, one request at a time and one waiting for at most 0.5 s.
/// </summary>
public sealed class SecuredSiloFixture : IAsyncLifetime
{
    public const string Key = "test-key-0123456789abcdef";
    public const long MaxBodyBytes = 65_536;
    public const int MaxDocuments = 100;

    private WebApplication _app = null!;

    /// <summary>Sends the API key as a bearer token.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The API port without a key.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>The metrics port, without a key.</summary>
    public HttpClient Metrics { get; private set; } = null!;

    public int ApiPort { get; private set; }

    public IServiceProvider Services => _app.Services;

    public async Task InitializeAsync()
    {
        ApiPort = FreePorts.Next();
        var metricsPort = FreePorts.Next();
        _app = SiloApp.Build(
        [
            .. SiloCommandLine.OnLoopback(ApiPort),
            "--GlobalBrain:Experts:Count", "4",
            "--GlobalBrain:Experts:FlowRate", "5",
            "--GlobalBrain:Metrics:Port", Text(metricsPort),
            "--GlobalBrain:Api:Key", Key,
            "--GlobalBrain:Api:MaxBodyBytes", Text(MaxBodyBytes),
            "--GlobalBrain:Api:MaxDocuments", Text(MaxDocuments),
            "--GlobalBrain:Api:MaxConcurrentRequests", "1",
            "--GlobalBrain:Api:MaxQueuedRequests", "1",
            "--GlobalBrain:Api:QueueTimeout", "00:00:00.5",
            // These tests are about the API's mechanics; their bodies repeat and differ only in numbers, which are
            // exact duplicates once normalised (digits fold to 0). QualityApiTests covers the filters.
            "--GlobalBrain:Quality:Dedup", "off",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ApiPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        Anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ApiPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Documents and tokens the cluster holds, exactly (the experts' own-origin counters, through the aggregator).</summary>
    public async Task<(long Documents, long Tokens)> TotalsAsync()
    {
        var metrics = await _app.Services.GetRequiredService<IGrainFactory>().GetGrain<IAggregatorGrain>(0).GetMetricsAsync();
        return (metrics.Documents, metrics.Tokens);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        Metrics.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}

[CollectionDefinition(Name)]
public sealed class SecuredSiloDefinition : ICollectionFixture<SecuredSiloFixture>
{
    public const string Name = "Secured silo";
}
