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

/// <summary>The HTTP API: who may call it and how much work it takes on.</summary>
public sealed class GlobalBrainApiOptions
{
    public const string SectionName = "GlobalBrain:Api";

    /// <summary>Shortest API key accepted: a guessable key is no key.</summary>
    public const int MinKeyLength = 16;

    /// <summary>Longest API key accepted (HTTP servers and proxies limit header sizes).</summary>
    public const int MaxKeyLength = 4096;

    /// <summary>Largest <see cref="MaxBodyBytes"/>: a body being processed is held in memory whole.</summary>
    public const long MaxBodyBytesLimit = 1L << 30;

    /// <summary>
    /// The API key clients must send (<c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>) to call
    /// /v1/*; required when the API listens beyond loopback. Never logged or printed.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>Largest request body accepted by POST /v1/documents; larger ones get 413.</summary>
    public long MaxBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Most documents one request may hold; more get 413.</summary>
    public int MaxDocuments { get; set; } = 100_000;

    /// <summary>Ingest requests processed at once (bodies in memory); null: 2 × cores.</summary>
    public int? MaxConcurrentRequests { get; set; }

    /// <summary>Ingest requests being received or waiting for a turn beyond those; null: 4 × cores. More get 429 at once.</summary>
    public int? MaxQueuedRequests { get; set; }

    /// <summary>How long a request waits for a turn before it gets 429.</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a request's body may take to arrive; a slower one gets 408. The body is read before the
    /// request waits for a turn, so a slow sender holds no turn, only one of the places for requests
    /// being received or waiting (<see cref="MaxQueuedRequests"/>).
    /// </summary>
    public TimeSpan BodyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the batches of one request are retried on the cluster (after a lost answer, a silo
    /// that went away) before the request answers 503 for them. Shorter than the CLI's 90 s: an HTTP
    /// client times out long before, and a waiting request holds its body and a turn.
    /// </summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Tokenizer used for documents posted to the API.</summary>
    public string Tokenizer { get; set; } = Domain.Tokenization.TextEncoders.Default;

    /// <summary>The configured key, or null when none is set (an empty value counts as none).</summary>
    public string? KeyOrNull => string.IsNullOrEmpty(Key) ? null : Key;

    public int ConcurrentRequests => MaxConcurrentRequests ?? 2 * Environment.ProcessorCount;

    public int QueuedRequests => MaxQueuedRequests ?? 4 * Environment.ProcessorCount;

    // Options objects end up in debuggers and, through careless code, in logs: never show the key.
    public override string ToString() => $"GlobalBrainApiOptions {{ Key = {(KeyOrNull is null ? "(none)" : "(set)")}, MaxBodyBytes = {MaxBodyBytes}, MaxDocuments = {MaxDocuments} }}";
}

internal static class SiloSettingsValidator
{
    private static readonly string[] ClusterProviderNames = ["localhost", "redis", "kubernetes"];
    private static readonly string[] StorageProviders = ["memory", "redis"];

    /// <summary>Every problem with the settings, each naming the setting and its environment variable.</summary>
    /// <param name="listenUrls">Where the HTTP API listens (<see cref="ListenAddresses.Of"/>): beyond loopback it needs an API key.</param>
    public static List<string> Validate(GlobalBrainClusterOptions cluster, GlobalBrainStorageOptions storage, GlobalBrainApiOptions api, IReadOnlyList<string> listenUrls)
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

        ValidateApi(errors, api, listenUrls);

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

    /// <summary>Bounds the silo puts on the grains' settings beyond what the grains' own validators check.</summary>
    public static void ValidateGrainSettings(List<string> errors, ExpertsOptions experts, KnowledgeOptions knowledge, Grains.Telemetry.MetricsOptions metrics)
    {
        // The grains check K, Beta and M only for the topology that uses them; a bad value for another
        // topology is still a mistake (a typo, or a topology change half made), so it is refused too.
        const string e = ExpertsOptions.SectionName;
        if (experts.Topology is not ("ring" or "small-world") && experts.K < 1)
        {
            errors.Add(SettingErrors.Describe(e, nameof(experts.K), $"must be at least 1 (got {experts.K}); it is used by the ring and small-world topologies"));
        }

        if (experts.Topology != "small-world" && !(experts.Beta is >= 0 and <= 1))
        {
            errors.Add(SettingErrors.Describe(e, nameof(experts.Beta), $"is a rewiring probability, from 0 to 1 (got {Invariant(experts.Beta)}); it is used by the small-world topology"));
        }

        if (experts.Topology != "scale-free" && experts.M < 1)
        {
            errors.Add(SettingErrors.Describe(e, nameof(experts.M), $"must be at least 1 (got {experts.M}); it is used by the scale-free topology"));
        }

        // Grain timers take periods up to about 49 days; a day is far beyond any sensible value.
        if (knowledge.FlushInterval > TimeSpan.Zero)
        {
            // Not positive: the grains' validator says so already.
            CheckSpan(errors, KnowledgeOptions.SectionName, nameof(knowledge.FlushInterval), knowledge.FlushInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        }

        CheckSpan(errors, Grains.Telemetry.MetricsOptions.SectionName, nameof(metrics.Interval), metrics.Interval, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
    }

    private static void ValidateApi(List<string> errors, GlobalBrainApiOptions api, IReadOnlyList<string> listenUrls)
    {
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

        CheckSpan(errors, a, nameof(api.QueueTimeout), api.QueueTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        CheckSpan(errors, a, nameof(api.BodyTimeout), api.BodyTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        CheckSpan(errors, a, nameof(api.RetryFor), api.RetryFor, TimeSpan.Zero, TimeSpan.FromMinutes(10));

        // The key itself never appears in a message: only what is wrong with it.
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

    private static void CheckSpan(List<string> errors, string section, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            // TimeSpan reads a bare number as days ("5" = 5.00:00:00): say so when that is the likely slip.
            var days = value.Ticks != 0 && value.Ticks % TimeSpan.TicksPerDay == 0 ? " — a bare number is read as days: write 00:00:05 for 5 seconds" : string.Empty;
            errors.Add(SettingErrors.Describe(section, key, $"must be a time span from {Span(min)} to {Span(max)} (got {Span(value)}{days})"));
        }
    }

    private static string Span(TimeSpan value) => value.ToString("c", System.Globalization.CultureInfo.InvariantCulture);

    private static string Invariant(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void CheckPort(List<string> errors, string section, string key, int port)
    {
        if (port is < 1 or > 65535)
        {
            errors.Add(SettingErrors.Describe(section, key, $"must be a TCP port from 1 to 65535 (got {port})"));
        }
    }
}
