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
        GlobalBrainClusterOptions cluster;
        GlobalBrainStorageOptions storage;
        GlobalBrainApiOptions api;
        List<string> problems;
        int metricsPort;
        var listenUrls = ListenAddresses.Of(configuration);
        var formats = SettingFormats.Check(configuration);
        if (formats.Count > 0)
        {
            throw new InvalidSettingsException(formats);
        }

        try
        {
            cluster = configuration.GetSection(GlobalBrainClusterOptions.SectionName).Get<GlobalBrainClusterOptions>() ?? new();
            storage = configuration.GetSection(GlobalBrainStorageOptions.SectionName).Get<GlobalBrainStorageOptions>() ?? new();
            _ = configuration.GetSection(ClusterProviders.MembershipSection).Get<Orleans.Configuration.ClusterMembershipOptions>();
            api = configuration.GetSection(GlobalBrainApiOptions.SectionName).Get<GlobalBrainApiOptions>() ?? new();
            problems = SiloSettingsValidator.Validate(cluster, storage, api, listenUrls);

            // The grains validate these again at start; checking here too reports every problem
            // at once, as plain lines, before anything starts.
            var experts = configuration.GetSection(ExpertsOptions.SectionName).Get<ExpertsOptions>() ?? new();
            var knowledge = configuration.GetSection(KnowledgeOptions.SectionName).Get<KnowledgeOptions>() ?? new();
            var metrics = configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>() ?? new();
            problems.AddRange(new ExpertsOptionsValidator().Validate(null, experts).Failures ?? []);
            problems.AddRange(new KnowledgeOptionsValidator().Validate(null, knowledge).Failures ?? []);
            SiloSettingsValidator.ValidateGrainSettings(problems, experts, knowledge, metrics);
            metricsPort = metrics.Port;
            if (metricsPort is < 0 or > 65535)
            {
                problems.Add(SettingErrors.Describe(MetricsOptions.SectionName, nameof(MetricsOptions.Port), $"must be a TCP port from 1 to 65535, or 0 to serve /metrics on the API port (got {metricsPort})"));
            }
            else if (metricsPort > 0 && (metricsPort == cluster.SiloPort || metricsPort == cluster.GatewayPort || listenUrls.Any(u => ListenAddresses.Port(u) == metricsPort)))
            {
                problems.Add(SettingErrors.Describe(MetricsOptions.SectionName, nameof(MetricsOptions.Port),
                    $"must differ from the API's port ({string.Join(", ", listenUrls)}) and from GlobalBrain:Cluster:SiloPort / GatewayPort ({cluster.SiloPort}, {cluster.GatewayPort}) (got {metricsPort})"));
            }
        }
        catch (InvalidOperationException e)
        {
            // A value of the wrong type in a section not checked above, e.g. Orleans__Membership__ProbeTimeout=soon.
            throw new InvalidSettingsException([SettingFormats.DescribeBindingFailure(e)]);
        }

        if (problems.Count > 0)
        {
            throw new InvalidSettingsException(problems);
        }

        var urls = string.Join(';', ListenAddresses.Split(string.IsNullOrEmpty(configuration["urls"]) ? DefaultUrl : configuration["urls"]!));
        if (metricsPort > 0)
        {
            // /metrics and the health probes on their own port, on the same interface as the API (SiloApp keeps the API off it).
            var first = ListenAddresses.Split(urls)[0];
            var authority = first[(first.IndexOf("://", StringComparison.Ordinal) + 3)..];
            var host = authority[..authority.LastIndexOf(':')];
            urls = $"{urls};http://{host}:{metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        }

        builder.WebHost.UseUrls(urls);

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = api.MaxBodyBytes);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(api));

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = cluster.ShutdownTimeout);
        builder.UseOrleans(silo =>
        {
            ClusterProviders.Configure(silo, cluster, storage, configuration);
            silo.AddGlobalBrain(addMemoryStorage: !storage.UsesRedis);
        });

        builder.Services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddCheck<SiloReadyHealthCheck>("silo", tags: ["ready"]);
        builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<SiloStartupLog>(services, cluster, storage));
        builder.Services.AddSingleton<Api.IngestService>();
        builder.Services.AddSingleton<Api.ApiKeyCheck>();
        builder.Services.AddSingleton<Api.RequestGate>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.Orleans")
            .AddMeter(GlobalBrain.Grains.Telemetry.GlobalBrainInstruments.MeterName)
            .AddPrometheusExporter());
        return builder;
    }
}
