using GlobalBrain.Grains.Telemetry;
using GlobalBrain.Silo.Api;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace GlobalBrain.Silo.Hosting;

/// <summary>Builds the silo's web application: Orleans, the HTTP API, health and metrics endpoints.</summary>
public static class SiloApp
{
    /// <exception cref="InvalidSettingsException">A setting is wrong; the message names it and its environment variable.</exception>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddGlobalBrainSilo();
        var app = builder.Build();
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapDocumentsApi();
        var metricsPort = app.Configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>()?.Port ?? 0;
        var metrics = app.MapPrometheusScrapingEndpoint();
        if (metricsPort > 0)
        {
            metrics.RequireHost($"*:{metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        return app;
    }

    /// <summary>Reaches what the configured providers need (Redis) before Orleans starts.</summary>
    /// <returns>null when everything answered, else one line saying what is unreachable and which setting names it.</returns>
    public static async Task<string?> CheckDependenciesAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var cluster = app.Configuration.GetSection(GlobalBrainClusterOptions.SectionName).Get<GlobalBrainClusterOptions>() ?? new();
        var storage = app.Configuration.GetSection(GlobalBrainStorageOptions.SectionName).Get<GlobalBrainStorageOptions>() ?? new();
        return cluster.UsesRedisMembership || storage.UsesRedis
            ? await ClusterProviders.ProbeRedisAsync(cluster.Redis!, TimeSpan.FromSeconds(10))
            : null;
    }

    /// <summary>A start that failed for a reason outside this process (the cluster, Redis), as one line; null for a bug.</summary>
    public static string? DescribeStartFailure(Exception e) => e switch
    {
        StackExchange.Redis.RedisException r => $"lost Redis while starting: {r.Message.Split('\n')[0]}",
        Orleans.Runtime.MembershipService.OrleansClusterConnectivityCheckFailedException c =>
            $"could not reach the other silos of the cluster: {c.Message.Split('\n')[0]} (are their silo ports reachable from here, and GlobalBrain:Cluster:AdvertisedAddress right?)",
        OrleansException o when o.InnerException is StackExchange.Redis.RedisException r => $"lost Redis while starting: {r.Message.Split('\n')[0]}",
        _ => null,
    };
}
