using GlobalBrain.Grains.Telemetry;
using GlobalBrain.Silo.Api;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Silo.Hosting;

/// <summary>Builds the silo's web application: Orleans, the HTTP API, health and metrics endpoints.</summary>
public static class SiloApp
{
    /// <exception cref="InvalidSettingsException">A setting is wrong; the message names it and its environment variable.</exception>
    public static WebApplication Build(string[] args) => Build(args, overrides: null);

    /// <param name="overrides">Replaces services after the silo's own registrations (tests: a cluster that fails on purpose).</param>
    internal static WebApplication Build(string[] args, Action<IServiceCollection>? overrides)
    {
        // appsettings.json (the quiet log levels among its defaults) sits beside the program: found
        // from any working directory, not only from the project folder.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddGlobalBrainSilo();
        overrides?.Invoke(builder.Services);
        var app = builder.Build();
        var metricsPort = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Port;
        if (app.Services.GetService<MetricsPortHost>() is { } metricsHost)
        {
            // The metrics port (MetricsPortServer, its own thread) serves /metrics and the health probes
            // only (no API key there, and the network policy opens it to Prometheus); /metrics leaves the API port.
            var operational = ((IApplicationBuilder)app).New();
            operational.UseHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
            operational.UseHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
            var exposition = app.Services.GetRequiredService<PrometheusTextExposition>();
            operational.Map("/metrics", metrics => metrics.Run(exposition.ServeAsync));
            operational.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
            metricsHost.Pipeline = operational.Build();
            app.Use((context, next) =>
            {
                if (context.Request.Path.StartsWithSegments("/metrics"))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(context);
            });
        }

        // Every refusal of the API (401, 413, 415, 429, 503 …) is counted by status, so an operator sees backpressure and bad clients.
        var instruments = app.Services.GetRequiredService<GlobalBrainInstruments>();
        app.Use(async (context, next) =>
        {
            await next(context);
            if (context.Response.StatusCode >= 400 && context.Request.Path.StartsWithSegments("/v1"))
            {
                instruments.ApiRefused(context.Response.StatusCode);
            }
        });

        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapDocumentsApi();
        if (metricsPort == 0)
        {
            app.MapPrometheusScrapingEndpoint();
        }
        return app;
    }

    /// <summary>Reaches what the configured providers need (Redis) before Orleans starts.</summary>
    /// <returns>null when everything answered, else one line saying what is unreachable and which setting names it.</returns>
    public static async Task<string?> CheckDependenciesAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var cluster = app.Services.GetRequiredService<IOptions<GlobalBrainClusterOptions>>().Value;
        var storage = app.Services.GetRequiredService<IOptions<GlobalBrainStorageOptions>>().Value;
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
