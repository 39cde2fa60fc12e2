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
}
