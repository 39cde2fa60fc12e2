using GlobalBrain.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace GlobalBrain.Silo.Hosting;

/// <summary>How this silo finds its cluster (DESIGN.md, "Silo configuration contract").</summary>
public sealed class GlobalBrainClusterOptions
{
    public const string SectionName = "GlobalBrain:Cluster";

    /// <summary><c>localhost</c> (one machine, development membership hosted by the primary silo), <c>redis</c> or <c>kubernetes</c>.</summary>
    public string Provider { get; set; } = "localhost";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>localhost only: the silo port of the primary silo that hosts membership (default: this silo's own port).</summary>
    public int? PrimarySiloPort { get; set; }

    /// <summary>Redis connection string (StackExchange.Redis format) for membership and grain storage.</summary>
    public string? Redis { get; set; }

    /// <summary>
    /// redis: the address other silos and clients reach this silo at (IP or host name). Default: this
    /// host's first non-loopback IPv4 address. 127.0.0.1 keeps a cluster on one machine (tests).
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    public string ServiceId { get; set; } = "globalbrain";

    public string ClusterId { get; set; } = "dev";

    /// <summary>
    /// How long a stopping silo may take to hand its grains over (they write their state and leave
    /// membership). Kubernetes' terminationGracePeriodSeconds must be longer.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool UsesRedisMembership => !Provider.Equals("localhost", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Where grain state is kept.</summary>
public sealed class GlobalBrainStorageOptions
{
    public const string SectionName = "GlobalBrain:Storage";

    /// <summary><c>memory</c> or <c>redis</c> (the connection string is GlobalBrain:Cluster:Redis).</summary>
    public string Provider { get; set; } = "memory";

    public bool UsesRedis => Provider.Equals("redis", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Limits of the HTTP API.</summary>
public sealed class GlobalBrainApiOptions
{
    public const string SectionName = "GlobalBrain:Api";

    /// <summary>Largest request body accepted by POST /v1/documents; larger ones get 413.</summary>
    public long MaxBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Tokenizer used for documents posted to the API.</summary>
    public string Tokenizer { get; set; } = Domain.Tokenization.TextEncoders.Default;
}

internal static class SiloSettingsValidator
{
    private static readonly string[] ClusterProviderNames = ["localhost", "redis", "kubernetes"];
    private static readonly string[] StorageProviders = ["memory", "redis"];

    /// <summary>Every problem with the settings, each naming the setting and its environment variable.</summary>
    public static List<string> Validate(GlobalBrainClusterOptions cluster, GlobalBrainStorageOptions storage, GlobalBrainApiOptions api)
    {
        var errors = new List<string>();
        const string c = GlobalBrainClusterOptions.SectionName;
        if (!ClusterProviderNames.Contains(cluster.Provider, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(SettingErrors.Describe(c, nameof(cluster.Provider), $"must be one of {string.Join(", ", ClusterProviderNames)} (got '{cluster.Provider}')"));
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

        CheckPort(errors, c, nameof(cluster.SiloPort), cluster.SiloPort);
        CheckPort(errors, c, nameof(cluster.GatewayPort), cluster.GatewayPort);
        if (cluster.PrimarySiloPort is { } primary)
        {
            CheckPort(errors, c, nameof(cluster.PrimarySiloPort), primary);
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

        if (!StorageProviders.Contains(storage.Provider, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(SettingErrors.Describe(GlobalBrainStorageOptions.SectionName, nameof(storage.Provider), $"must be one of {string.Join(", ", StorageProviders)} (got '{storage.Provider}')"));
        }
        else if (storage.UsesRedis && !cluster.UsesRedisMembership)
        {
            // Membership validated the connection string already when it uses Redis too.
            ClusterProviders.ValidateRedis(errors, cluster.Redis, $"it holds grain state for {GlobalBrainStorageOptions.SectionName}:Provider = redis");
        }

        if (api.MaxBodyBytes < 1024)
        {
            errors.Add(SettingErrors.Describe(GlobalBrainApiOptions.SectionName, nameof(api.MaxBodyBytes), $"must be at least 1024 (got {api.MaxBodyBytes})"));
        }

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

        return errors;
    }

    private static void CheckPort(List<string> errors, string section, string key, int port)
    {
        if (port is < 1 or > 65535)
        {
            errors.Add(SettingErrors.Describe(section, key, $"must be a TCP port from 1 to 65535 (got {port})"));
        }
    }
}
