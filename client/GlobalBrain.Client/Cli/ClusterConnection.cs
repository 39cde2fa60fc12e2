using System.Net;
using System.Net.Sockets;
using GlobalBrain.Grains.Hosting;
using GlobalBrain.Grains.Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GlobalBrain.Client.Cli;

/// <summary>
/// The cluster a command talks to: an embedded in-process silo (no <c>--cluster</c>), or a running
/// cluster's gateway. Disposing stops what was started.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host, bool embedded, string description)
    {
        _host = host;
        Embedded = embedded;
        Description = description;
    }

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public bool Embedded { get; }

    /// <summary>What we are connected to, for messages.</summary>
    public string Description { get; }

    /// <summary>How long a gateway that does not answer is waited for (a silo that is starting) before connecting fails.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The retry policy of every call a command makes (settings, vocabulary, batches, metrics): the
    /// dispatcher's 90 s, so a silo that died and is not yet declared dead is ridden out by all of them.
    /// </summary>
    public ClusterRetry Retry { get; } = new IngestDispatcherOptions().Retry();

    /// <summary>Starts a one-process cluster on free loopback ports with N experts at flow rate v.</summary>
    /// <remarks>Flags given on the command line win over GlobalBrain__* environment variables.</remarks>
    public static async Task<ClusterConnection> StartEmbeddedAsync(int? experts, double? flowRate, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        var flags = new Dictionary<string, string?>();
        if (experts is { } n)
        {
            flags[$"{ExpertsOptions.SectionName}:{nameof(ExpertsOptions.Count)}"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (flowRate is { } v)
        {
            flags[$"{ExpertsOptions.SectionName}:{nameof(ExpertsOptions.FlowRate)}"] = v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        builder.Configuration.AddInMemoryCollection(flags);
        if (SettingFormats.Check(builder.Configuration, SettingFormats.GrainSections) is { Count: > 0 } formats)
        {
            throw new CliException(string.Join("; ", formats), ExitCodes.Usage);
        }

        ConfigureQuietLogging(builder.Logging, builder.Configuration);
        builder.UseOrleans(silo => silo
            // The embedded silo is alone: localhost clustering, a free silo port and no gateway.
            .UseLocalhostClustering(siloPort: FreeLoopbackPort(), gatewayPort: 0)
            .AddGlobalBrain());
        var host = builder.Build();
        if (StartupSettings.Problems(host.Services) is { Count: > 0 } problems)
        {
            host.Dispose();
            throw new CliException(string.Join("; ", problems), ExitCodes.Usage);
        }

        await host.StartAsync(cancellationToken);
        return new ClusterConnection(host, embedded: true, "an embedded in-process silo");
    }

    /// <summary>The <c>--cluster</c> prefix that selects Redis membership instead of gateway addresses.</summary>
    public const string RedisScheme = "redis://";

    /// <summary>
    /// Connects to a running cluster: <c>HOST:PORT[,HOST:PORT…]</c> names gateways (the client fails
    /// over between the ones given); <c>redis://HOST:PORT[,options]</c>
    /// finds the gateways in the cluster's Redis membership table (<c>redis://</c> alone: the connection
    /// string of GlobalBrain__Cluster__Redis, which keeps a password off the command line).
    /// </summary>
    public static async Task<ClusterConnection> ConnectAsync(string cluster, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        ConfigureQuietLogging(builder.Logging, builder.Configuration);
        var serviceId = builder.Configuration["GlobalBrain:Cluster:ServiceId"] ?? "globalbrain";
        var clusterId = builder.Configuration["GlobalBrain:Cluster:ClusterId"] ?? "dev";
        string description;
        Action<IClientBuilder> membership;
        if (cluster.StartsWith(RedisScheme, StringComparison.OrdinalIgnoreCase))
        {
            var redis = RedisConnectionString(cluster[RedisScheme.Length..], builder.Configuration["GlobalBrain:Cluster:Redis"]);
            description = $"the cluster in Redis at {redis.Servers}";
            membership = client => client.UseRedisClustering(o => o.ConfigurationOptions = redis.Options);
        }
        else
        {
            var gateways = new List<IPEndPoint>();
            foreach (var gateway in cluster.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                gateways.Add(await ResolveAsync(gateway, cancellationToken));
            }

            if (gateways.Count == 0)
            {
                throw new CliException($"--cluster must be HOST:PORT[,HOST:PORT…] or {RedisScheme}HOST:PORT (got '{cluster}')", ExitCodes.Usage);
            }

            description = $"the cluster at {cluster}";
            membership = client => client.UseStaticClustering([.. gateways]);
        }

        var connecting = System.Diagnostics.Stopwatch.StartNew();
        builder.UseOrleansClient(client =>
        {
            membership(client);
            client
                // Refused connections while a silo starts are waited for, up to ConnectTimeout in all.
                .UseConnectionRetryFilter(async (_, token) =>
                {
                    if (connecting.Elapsed >= ConnectTimeout)
                    {
                        return false;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System, token);
                    return true;
                })
                .Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ServiceId = serviceId;
                    o.ClusterId = clusterId;
                })
                .Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        });
        var host = builder.Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout + TimeSpan.FromSeconds(2));
            await host.StartAsync(timeout.Token);
        }
        catch (Exception e) when (e is OrleansException or SocketException or TimeoutException or Orleans.Runtime.Messaging.ConnectionFailedException or StackExchange.Redis.RedisException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            host.Dispose();
            throw new CliException(
                $"cannot reach {description} within {ConnectTimeout.TotalSeconds:F0} s ({e.Message.Split('\n')[0]}); check that a silo runs there and its gateway port is open, with service id '{serviceId}' and cluster id '{clusterId}' (GlobalBrain__Cluster__ServiceId, GlobalBrain__Cluster__ClusterId)",
                ExitCodes.RuntimeFailure);
        }

        return new ClusterConnection(host, embedded: false, description);
    }

    private static (StackExchange.Redis.ConfigurationOptions Options, string Servers) RedisConnectionString(string given, string? fromEnvironment)
    {
        var connection = given.Length > 0 ? given : fromEnvironment;
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new CliException($"--cluster {RedisScheme} needs a Redis address ({RedisScheme}HOST:PORT) or the environment variable GlobalBrain__Cluster__Redis", ExitCodes.Usage);
        }

        try
        {
            var options = StackExchange.Redis.ConfigurationOptions.Parse(connection);
            if (options.EndPoints.Count == 0)
            {
                throw new CliException($"--cluster: the Redis connection string names no server; give {RedisScheme}HOST:PORT", ExitCodes.Usage);
            }

            var servers = string.Join(", ", options.EndPoints.Select(e => e is DnsEndPoint d ? $"{d.Host}:{d.Port}" : e.ToString()));
            return (options, servers);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--cluster: not a valid Redis connection string ({e.Message})", ExitCodes.Usage);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Shutting down is best effort once the work is done.
        }

        _host.Dispose();
    }

    /// <summary>
    /// A CLI user reads results and one-line errors, not the runtime's own chatter (Orleans logs
    /// retries and shutdown races it recovers from). Logging__LogLevel__* variables turn it back on.
    /// </summary>
    private static void ConfigureQuietLogging(ILoggingBuilder logging, ConfigurationManager configuration)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Error);
        logging.AddFilter("Orleans", LogLevel.None);
        logging.AddFilter("Polly", LogLevel.None);
        logging.AddFilter("Microsoft", LogLevel.None);
        logging.AddConfiguration(configuration.GetSection("Logging"));
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    private static async Task<IPEndPoint> ResolveAsync(string hostAndPort, CancellationToken cancellationToken)
    {
        var colon = hostAndPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostAndPort.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
        {
            throw new CliException($"--cluster must be HOST:PORT[,HOST:PORT…] with ports from 1 to 65535, or {RedisScheme}HOST:PORT (got '{hostAndPort}')", ExitCodes.Usage);
        }

        var host = hostAndPort[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return chosen is null
                ? throw new CliException($"--cluster: the host '{host}' has no address", ExitCodes.Usage)
                : new IPEndPoint(chosen, port);
        }
        catch (SocketException e)
        {
            throw new CliException($"--cluster: cannot resolve the host '{host}' ({e.Message})", ExitCodes.Usage);
        }
    }

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
