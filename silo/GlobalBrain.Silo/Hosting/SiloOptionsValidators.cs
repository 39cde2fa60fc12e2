using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Telemetry;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Silo.Hosting;

/// <summary>GlobalBrain:Cluster — the provider and what it needs, ports, ids, shutdown.</summary>
internal sealed class ClusterOptionsValidator : IValidateOptions<GlobalBrainClusterOptions>
{
    private static readonly string[] ProviderNames = ["localhost", "redis", "kubernetes"];

    public ValidateOptionsResult Validate(string? name, GlobalBrainClusterOptions cluster)
    {
        var errors = new List<string>();
        const string c = GlobalBrainClusterOptions.SectionName;
        if (!ProviderNames.Contains(cluster.Provider, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(SettingErrors.Describe(c, nameof(cluster.Provider), $"must be one of {string.Join(", ", ProviderNames)} (got '{cluster.Provider}')"));
        }
        else if (cluster.UsesRedisMembership)
        {
            ClusterProviders.ValidateRedis(errors, cluster.Redis, $"it holds cluster membership for {c}:Provider = {cluster.Provider}");
            if (cluster.Provider.Equals("kubernetes", StringComparison.OrdinalIgnoreCase))
            {
                ClusterProviders.ValidateKubernetesEnvironment(errors);
            }
            else if (cluster.AdvertisedAddress is { } advertised && ClusterProviders.ResolveAdvertised(advertised) is null)
            {
                errors.Add(SettingErrors.Describe(c, nameof(cluster.AdvertisedAddress), $"must be this silo's IP address or a host name that resolves to one (got '{advertised}')"));
            }
        }

        if (cluster.ShutdownTimeout <= TimeSpan.Zero || cluster.ShutdownTimeout > TimeSpan.FromHours(1))
        {
            errors.Add(SettingErrors.Describe(c, nameof(cluster.ShutdownTimeout), $"must be a time span from 00:00:01 to 01:00:00 (got {cluster.ShutdownTimeout})"));
        }

        SettingErrors.CheckPort(errors, c, nameof(cluster.SiloPort), cluster.SiloPort);
        SettingErrors.CheckPort(errors, c, nameof(cluster.GatewayPort), cluster.GatewayPort);
        if (cluster.PrimarySiloPort is { } primary)
        {
            SettingErrors.CheckPort(errors, c, nameof(cluster.PrimarySiloPort), primary);
        }

        if (cluster.SiloPort == cluster.GatewayPort)
        {
            errors.Add(SettingErrors.Describe(c, nameof(cluster.GatewayPort), $"must differ from {c}:SiloPort (both are {cluster.SiloPort})"));
        }

        if (string.IsNullOrWhiteSpace(cluster.ServiceId))
        {
            errors.Add(SettingErrors.Describe(c, nameof(cluster.ServiceId), "must not be empty"));
        }

        if (string.IsNullOrWhiteSpace(cluster.ClusterId))
        {
            errors.Add(SettingErrors.Describe(c, nameof(cluster.ClusterId), "must not be empty"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>GlobalBrain:Storage — the provider, and the Redis connection string when membership does not check it already.</summary>
internal sealed class StorageOptionsValidator(IConfiguration configuration) : IValidateOptions<GlobalBrainStorageOptions>
{
    private static readonly string[] ProviderNames = ["memory", "redis"];

    public ValidateOptionsResult Validate(string? name, GlobalBrainStorageOptions storage)
    {
        var errors = new List<string>();
        var cluster = SiloSettings.Read<GlobalBrainClusterOptions>(configuration, GlobalBrainClusterOptions.SectionName);
        if (!ProviderNames.Contains(storage.Provider, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(SettingErrors.Describe(GlobalBrainStorageOptions.SectionName, nameof(storage.Provider), $"must be one of {string.Join(", ", ProviderNames)} (got '{storage.Provider}')"));
        }
        else if (storage.UsesRedis && !cluster.UsesRedisMembership)
        {
            ClusterProviders.ValidateRedis(errors, cluster.Redis, $"it holds grain state for {GlobalBrainStorageOptions.SectionName}:Provider = redis");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>GlobalBrain:Api — limits, the key (required beyond loopback), the tokenizer; and the metrics port apart from the API's.</summary>
internal sealed class ApiOptionsValidator(IConfiguration configuration, ApiListenUrls listen) : IValidateOptions<GlobalBrainApiOptions>
{
    public ValidateOptionsResult Validate(string? name, GlobalBrainApiOptions api)
    {
        var errors = new List<string>();
        var listenUrls = listen.Urls;
        const string a = GlobalBrainApiOptions.SectionName;
        if (api.MaxBodyBytes is < 1024 or > GlobalBrainApiOptions.MaxBodyBytesLimit)
        {
            errors.Add(SettingErrors.Describe(a, nameof(api.MaxBodyBytes), $"must be from 1024 to {GlobalBrainApiOptions.MaxBodyBytesLimit} bytes (1 GiB; a body being processed is held in memory) (got {api.MaxBodyBytes})"));
        }

        if (api.MaxDocuments is < 1 or > 10_000_000)
        {
            errors.Add(SettingErrors.Describe(a, nameof(api.MaxDocuments), $"must be from 1 to 10000000 documents per request (got {api.MaxDocuments})"));
        }

        if (api.MaxConcurrentRequests is < 1 or > 10_000)
        {
            errors.Add(SettingErrors.Describe(a, nameof(api.MaxConcurrentRequests), $"must be from 1 to 10000 requests, or unset for 2 × cores (got {api.MaxConcurrentRequests})"));
        }

        if (api.MaxQueuedRequests is < 0 or > 100_000)
        {
            errors.Add(SettingErrors.Describe(a, nameof(api.MaxQueuedRequests), $"must be from 0 (no waiting: 429 at once) to 100000 requests, or unset for 4 × cores (got {api.MaxQueuedRequests})"));
        }

        SettingErrors.CheckSpan(errors, a, nameof(api.QueueTimeout), api.QueueTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        SettingErrors.CheckSpan(errors, a, nameof(api.BodyTimeout), api.BodyTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        SettingErrors.CheckSpan(errors, a, nameof(api.RetryFor), api.RetryFor, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        CheckKey(errors, api, listenUrls);
        CheckTokenizer(errors, api);
        CheckMetricsPort(errors, listenUrls);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckKey(List<string> errors, GlobalBrainApiOptions api, IReadOnlyList<string> listenUrls)
    {
        // The key itself never appears in a message: only what is wrong with it.
        const string a = GlobalBrainApiOptions.SectionName;
        var beyondLoopback = listenUrls.Where(ListenAddresses.IsBeyondLoopback).ToList();
        if (api.KeyOrNull is not { } key)
        {
            if (beyondLoopback.Count > 0)
            {
                errors.Add(SettingErrors.Describe(a, nameof(api.Key),
                    $"must be set: the HTTP API listens beyond loopback ({string.Join(", ", beyondLoopback)}), where anyone who reaches the port could ingest. "
                    + $"Give it a random secret of at least {GlobalBrainApiOptions.MinKeyLength} characters (e.g. `openssl rand -hex 32`), on Kubernetes from a Secret "
                    + "(the manifests read Secret globalbrain-api, key api-key: see deploy/README.md); or listen on loopback only (--urls http://127.0.0.1:8080)"));
            }
        }
        else if (key.Length < GlobalBrainApiOptions.MinKeyLength)
        {
            errors.Add(SettingErrors.Describe(a, nameof(api.Key), $"is shorter than {GlobalBrainApiOptions.MinKeyLength} characters; use a random secret, e.g. `openssl rand -hex 32`"));
        }
        else if (key.Length > GlobalBrainApiOptions.MaxKeyLength)
        {
            errors.Add(SettingErrors.Describe(a, nameof(api.Key), $"is longer than {GlobalBrainApiOptions.MaxKeyLength} characters"));
        }
        else if (!key.All(ch => ch is > ' ' and <= '~'))
        {
            errors.Add(SettingErrors.Describe(a, nameof(api.Key),
                "must be visible ASCII characters only (no spaces, line breaks or other characters an HTTP header cannot carry); a trailing newline usually comes from the file the Secret was made from (printf, not echo)"));
        }
    }

    private static void CheckTokenizer(List<string> errors, GlobalBrainApiOptions api)
    {
        var apiTokenizers = Domain.Tokenization.TextEncoders.Names.Where(n => !Domain.Tokenization.TextEncoders.NeedsVocabulary(n)).ToList();
        if (Domain.Tokenization.TextEncoders.IsKnown(api.Tokenizer) && Domain.Tokenization.TextEncoders.NeedsVocabulary(api.Tokenizer))
        {
            errors.Add(SettingErrors.Describe(GlobalBrainApiOptions.SectionName, nameof(api.Tokenizer),
                $"'{api.Tokenizer}' needs a vocabulary, which the HTTP API does not take in this build; use one of {string.Join(", ", apiTokenizers)}, or `globalbrain ingest --tokenizer {api.Tokenizer} --vocab FILE --cluster HOST:PORT`"));
        }
        else if (!apiTokenizers.Contains(api.Tokenizer, StringComparer.Ordinal))
        {
            errors.Add(SettingErrors.Describe(GlobalBrainApiOptions.SectionName, nameof(api.Tokenizer), $"must be one of {string.Join(", ", apiTokenizers)} (got '{api.Tokenizer}')"));
        }
    }

    /// <summary>/metrics on its own port needs a port the API and Orleans do not use (its range is the grains' validator's).</summary>
    private void CheckMetricsPort(List<string> errors, IReadOnlyList<string> listenUrls)
    {
        var metricsPort = SiloSettings.Read<MetricsOptions>(configuration, MetricsOptions.SectionName).Port;
        var cluster = SiloSettings.Read<GlobalBrainClusterOptions>(configuration, GlobalBrainClusterOptions.SectionName);
        if (metricsPort is > 0 and <= 65535 && (metricsPort == cluster.SiloPort || metricsPort == cluster.GatewayPort || listenUrls.Any(u => ListenAddresses.Port(u) == metricsPort)))
        {
            errors.Add(SettingErrors.Describe(MetricsOptions.SectionName, nameof(MetricsOptions.Port),
                $"must differ from the API's port ({string.Join(", ", listenUrls)}) and from GlobalBrain:Cluster:SiloPort / GatewayPort ({cluster.SiloPort}, {cluster.GatewayPort}) (got {metricsPort})"));
        }
    }
}
