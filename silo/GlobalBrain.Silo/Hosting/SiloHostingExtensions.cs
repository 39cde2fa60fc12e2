using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using GlobalBrain.Grains.Telemetry;
using OpenTelemetry.Metrics;

namespace GlobalBrain.Silo.Hosting;

/// <summary>A setting that stops the silo before it starts; the message says what to change.</summary>
public sealed class InvalidSettingsException(IReadOnlyList<string> problems)
    : Exception("Invalid settings:\n  " + string.Join("\n  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

public static class SiloHostingExtensions
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Configures the Orleans silo, health checks and metrics from the GlobalBrain:* settings.</summary>
    public static WebApplicationBuilder AddGlobalBrainSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var formats = SettingFormats.Check(configuration, [.. SiloSettings.Sections, .. SettingFormats.GrainSections], SiloSettings.Expectations);
        if (formats.Count > 0)
        {
            throw new InvalidSettingsException(formats);
        }

        try
        {
            _ = configuration.GetSection(ClusterProviders.MembershipSection).Get<Orleans.Configuration.ClusterMembershipOptions>();
        }
        catch (InvalidOperationException e)
        {
            // A value of the wrong type in Orleans' own section, e.g. Orleans__Membership__ProbeTimeout=soon.
            throw new InvalidSettingsException([SettingFormats.DescribeBindingFailure(e)]);
        }

        // Every section is checked by its validator before anything is wired from it (a port out of range
        // would throw first), every problem at once; the host checks them again when it starts.
        var apiUrls = ListenAddresses.Of(configuration);
        using (var validation = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSiloOptions(apiUrls).AddGlobalBrainOptions().BuildServiceProvider())
        {
            if (StartupSettings.Problems(validation) is { Count: > 0 } problems)
            {
                throw new InvalidSettingsException(problems);
            }
        }

        builder.Services.AddSiloOptions(apiUrls);
        var cluster = SiloSettings.Read<GlobalBrainClusterOptions>(configuration, GlobalBrainClusterOptions.SectionName);
        var storage = SiloSettings.Read<GlobalBrainStorageOptions>(configuration, GlobalBrainStorageOptions.SectionName);
        var api = SiloSettings.Read<GlobalBrainApiOptions>(configuration, GlobalBrainApiOptions.SectionName);
        var metricsPort = SiloSettings.Read<MetricsOptions>(configuration, MetricsOptions.SectionName).Port;
        var urls = string.Join(';', ListenAddresses.Split(string.IsNullOrEmpty(configuration["urls"]) ? DefaultUrl : configuration["urls"]!));
        if (metricsPort is > 0 and <= 65535)
        {
            // /metrics and the health probes on their own port, on the same interface as the API, served
            // by a thread of their own (not Kestrel, whose requests wait in the thread pool behind the grains).
            builder.Services.AddSingleton<MetricsPortHost>();
            builder.Services.AddHostedService(services => services.GetRequiredService<MetricsPortHost>());
            // There /metrics is collected on that thread too (OpenTelemetry's exporter hands each collection to the pool).
            builder.Services.AddSingleton<PrometheusTextExposition>();
        }

        builder.WebHost.UseUrls(urls);

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = api.MaxBodyBytes);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = cluster.ShutdownTimeout);
        builder.UseOrleans(silo =>
        {
            ClusterProviders.Configure(silo, cluster, storage, configuration);
            silo.AddGlobalBrain(addMemoryStorage: !storage.UsesRedis);
        });

        builder.Services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<SiloReadyHealthCheck>("silo", tags: ["ready"]);
        builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<SiloStartupLog>(services));
        builder.Services.AddSingleton<Api.IngestService>();
        builder.Services.AddSingleton<Api.ApiKeyCheck>();
        builder.Services.AddSingleton<Api.RequestGate>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.Orleans")
            // Orleans sums every activation's queued requests for this gauge at each collection: O(N), 50+ ms
            // a scrape at 10^5 experts. Dropped (its callback is then never called).
            .AddView("orleans-messaging-processing-activation-data", MetricStreamConfiguration.Drop)
            // The same for the size of the grain directory cache, which counts its entries one by one (about one per
            // grain this silo has called): 9 ms a scrape at 10^4 experts (perf: 526 of 3,859 samples over 12 scrapes,
            // all in LruGrainDirectoryCache's size callback); dropped, the scrape's p50 fell from 31 to 4 ms at 10^5
            // and from 224–296 to 4 ms at 10^6 (live-scale.sh, README).
            .AddView("orleans-directory-cache-size", MetricStreamConfiguration.Drop)
            .AddMeter(GlobalBrain.Grains.Telemetry.GlobalBrainInstruments.MeterName)
            // The runtime's own: GC pauses and collections, thread-pool queue length, CPU — what a silo that cannot keep up shows first.
            .AddMeter("System.Runtime")
            .AddMetricsExposition(metricsPort));
        return builder;
    }

    /// <summary>The metrics port's own exposition when it is set (<see cref="PrometheusTextExposition"/>), else OpenTelemetry's exporter on the API port.</summary>
    private static MeterProviderBuilder AddMetricsExposition(this MeterProviderBuilder metrics, int metricsPort) =>
        metricsPort > 0
            ? metrics.AddReader(services => services.GetRequiredService<PrometheusTextExposition>().Reader)
            : metrics.AddPrometheusExporter();
}
