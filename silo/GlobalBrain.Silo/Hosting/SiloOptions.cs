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
