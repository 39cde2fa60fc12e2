using System.Net;
using System.Net.Sockets;
using GlobalBrain.Grains.Hosting;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace GlobalBrain.Silo.Hosting;

/// <summary>
/// Membership and grain storage chosen by GlobalBrain:Cluster:Provider and GlobalBrain:Storage:Provider:
/// Orleans' own providers (localhost development membership, Microsoft.Orleans.Clustering.Redis,
/// Microsoft.Orleans.Hosting.Kubernetes with Redis membership, Microsoft.Orleans.Persistence.Redis).
/// </summary>
internal static class ClusterProviders
{
    /// <summary>Section bound to Orleans' <see cref="ClusterMembershipOptions"/> (probe timeouts and the like).</summary>
    public const string MembershipSection = "Orleans:Membership";

    /// <summary>What Kubernetes hosting reads from the pod (Downward API), with where each comes from.</summary>
    private static readonly (string Name, string Source)[] KubernetesEnvironment =
    [
        ("POD_NAME", "fieldRef metadata.name"),
        ("POD_NAMESPACE", "fieldRef metadata.namespace"),
        ("POD_IP", "fieldRef status.podIP"),
        ("ORLEANS_SERVICE_ID", "fieldRef metadata.labels['orleans/serviceId']"),
        ("ORLEANS_CLUSTER_ID", "fieldRef metadata.labels['orleans/clusterId']"),
    ];

    public static void Configure(ISiloBuilder silo, GlobalBrainClusterOptions cluster, GlobalBrainStorageOptions storage, IConfiguration configuration)
    {
        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection(MembershipSection));
        switch (cluster.Provider.ToLowerInvariant())
        {
            case "redis":
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(cluster.Redis!));
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ServiceId = cluster.ServiceId;
                    o.ClusterId = cluster.ClusterId;
                });
                var advertised = cluster.AdvertisedAddress is { } name ? ResolveAdvertised(name)! : DefaultAdvertisedAddress();
                silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
                break;
            case "kubernetes":
                // Service and cluster ids, silo name and advertised address come from the pod (ORLEANS_*, POD_*);
                // the agent marks silos whose pods are gone as dead. Membership itself is kept in Redis.
                silo.UseKubernetesHosting();
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(cluster.Redis!));
                silo.Configure<EndpointOptions>(o =>
                {
                    o.SiloPort = cluster.SiloPort;
                    o.GatewayPort = cluster.GatewayPort;
                });
                break;
            default:
                var primary = new IPEndPoint(IPAddress.Loopback, cluster.PrimarySiloPort ?? cluster.SiloPort);
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, primary, cluster.ServiceId, cluster.ClusterId);
                break;
        }

        if (storage.UsesRedis)
        {
            // Same binary serializer as the memory storage: an expert writes after every batch it learns.
            silo.AddRedisGrainStorage(GlobalBrainSiloBuilderExtensions.ShardStorage, options => options.Configure<Serializer>((o, serializer) =>
            {
                o.ConfigurationOptions = RedisOptions(cluster.Redis!);
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        }
    }

    /// <summary>Checks a Redis connection string without connecting.</summary>
    public static void ValidateRedis(List<string> errors, string? redis, string why)
    {
        const string section = GlobalBrainClusterOptions.SectionName;
        if (string.IsNullOrWhiteSpace(redis))
        {
            errors.Add(SettingErrors.Describe(section, nameof(GlobalBrainClusterOptions.Redis), $"must be a Redis connection string such as redis-host:6379 ({why})"));
            return;
        }

        try
        {
            if (ConfigurationOptions.Parse(redis).EndPoints.Count == 0)
            {
                errors.Add(SettingErrors.Describe(section, nameof(GlobalBrainClusterOptions.Redis), "names no Redis server; give at least one HOST:PORT"));
            }
        }
        catch (ArgumentException e)
        {
            // The message names the bad keyword, never the password.
            errors.Add(SettingErrors.Describe(section, nameof(GlobalBrainClusterOptions.Redis), $"is not a valid Redis connection string ({e.Message})"));
        }
    }

    /// <summary>Kubernetes hosting needs the pod's identity from the Downward API and the in-cluster API credentials.</summary>
    public static void ValidateKubernetesEnvironment(List<string> errors)
    {
        foreach (var (name, source) in KubernetesEnvironment)
        {
            var value = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"GlobalBrain:Cluster:Provider = kubernetes needs the environment variable {name} ({source} in the pod spec; see deploy/k8s/base); it is not set. Outside Kubernetes use GlobalBrain__Cluster__Provider=redis.");
            }
            else if (name == "POD_IP" && !IPAddress.TryParse(value, out _))
            {
                errors.Add($"GlobalBrain:Cluster:Provider = kubernetes: the environment variable POD_IP must be the pod's IP address (got '{value}').");
            }
        }

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"))
            || !File.Exists("/var/run/secrets/kubernetes.io/serviceaccount/token"))
        {
            errors.Add("GlobalBrain:Cluster:Provider = kubernetes needs the Kubernetes API from inside a pod (KUBERNETES_SERVICE_HOST and the service account token at /var/run/secrets/kubernetes.io/serviceaccount); run it in a pod with automountServiceAccountToken, or use GlobalBrain__Cluster__Provider=redis.");
        }
    }

    /// <summary>The IP address for an advertised address setting, or null when it is neither an IP nor a resolvable name.</summary>
    public static IPAddress? ResolveAdvertised(string name)
    {
        if (IPAddress.TryParse(name, out var address))
        {
            return address;
        }

        try
        {
            var addresses = Dns.GetHostAddresses(name);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        }
        catch (SocketException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The Redis servers named by a connection string, for messages (never the password).</summary>
    public static string Servers(string redis) =>
        string.Join(", ", ConfigurationOptions.Parse(redis).EndPoints.Select(e => e switch
        {
            DnsEndPoint d => $"{d.Host}:{d.Port}",
            _ => e.ToString(),
        }));

    /// <summary>Connects once before Orleans starts, so an unreachable Redis is one clear line rather than a failed start deep in Orleans.</summary>
    /// <returns>null when Redis answered, else what went wrong.</returns>
    public static async Task<string?> ProbeRedisAsync(string redis, TimeSpan timeout)
    {
        var options = RedisOptions(redis);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = (int)timeout.TotalMilliseconds;
        options.ConnectRetry = 1;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options, TextWriter.Null);
            await connection.GetDatabase().PingAsync();
            return null;
        }
        catch (RedisConnectionException e)
        {
            var why = e.FailureType switch
            {
                ConnectionFailureType.AuthenticationFailure => "it refused the credentials (password=… / user=… in the connection string)",
                ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection or ConnectionFailureType.SocketFailure
                    => $"no connection within {timeout.TotalSeconds:F0} s (is redis-server running there and reachable, with the right ssl= option?)",
                _ => e.FailureType.ToString(),
            };
            return $"cannot reach Redis at {Servers(redis)} (GlobalBrain:Cluster:Redis / GlobalBrain__Cluster__Redis): {why}";
        }
        catch (RedisException e)
        {
            return $"cannot use Redis at {Servers(redis)} (GlobalBrain:Cluster:Redis / GlobalBrain__Cluster__Redis): {e.Message.Split('\n')[0]}";
        }
    }

    private static ConfigurationOptions RedisOptions(string redis) => ConfigurationOptions.Parse(redis);

    private static IPAddress DefaultAdvertisedAddress()
    {
        // Orleans' own choice for a silo without an explicit address: a non-loopback address of this host.
        var addresses = Dns.GetHostAddresses(Dns.GetHostName());
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? addresses.FirstOrDefault(a => !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }
}
