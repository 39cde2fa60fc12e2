using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace GlobalBrain.Distributed.Tests;

/// <summary>Where the real programs are and how to run them: redis-server and the globalbrain CLI (the silo: <see cref="SiloCommandLine"/>).</summary>
internal static class ClusterProcesses
{
    public const string MissingRedis =
        "redis-server is not on PATH: run `bash .ci/setup` (or apt-get install redis-server) to run the multi-process cluster tests";

    public static string? RedisServerPath { get; } = ProcessRunner.FindOnPath("redis-server");

    /// <summary>
    /// The CLI from its own build output (bin/CONFIG/net10.0 of client/GlobalBrain.Client, built by the
    /// project reference): it is a console app, and this test folder's runtime settings are ASP.NET's.
    /// </summary>
    public static string CliDll { get; } = FindCli();

    private static string FindCli()
    {
        // This test's own configuration and framework (bin/CONFIG/net10.0), the CLI built alike.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var cli = Path.Combine(Repository.Root, "client", "GlobalBrain.Client", "bin", output.Parent!.Name, output.Name, "globalbrain.dll");
        return File.Exists(cli) ? cli : throw new FileNotFoundException($"the globalbrain CLI is not built at {cli}");
    }

    /// <summary>Runs the globalbrain CLI to completion; a run that outlives the deadline (3 minutes unless given) is killed and fails the test.</summary>
    public static Task<ProcessResult> RunCliAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("dotnet", [CliDll, .. arguments], AppContext.BaseDirectory, environment, timeout: timeout ?? TimeSpan.FromMinutes(3));
}

/// <summary>A real redis-server on a free loopback port, nothing persisted to disk, stopped by PID.</summary>
internal sealed class RedisServer : IDisposable
{
    private readonly string _directory;
    private readonly bool _appendOnly;
    private ServerProcess _process;

    private RedisServer(ServerProcess process, int port, string directory, bool appendOnly)
    {
        _process = process;
        Port = port;
        _directory = directory;
        _appendOnly = appendOnly;
    }

    public int Port { get; }

    /// <summary>StackExchange.Redis connection string.</summary>
    public string ConnectionString => $"127.0.0.1:{SiloCommandLine.Invariant(Port)}";

    /// <param name="appendOnly">
    /// Persist every write to an append-only file, fsync'd before Redis answers (appendfsync always), so
    /// that a killed server restarts with everything it acknowledged. (With everysec Redis answers before
    /// its write reaches the file whenever an fsync runs late, and a SIGKILL then loses acknowledged writes.)
    /// </param>
    public static async Task<RedisServer> StartAsync(bool appendOnly = false)
    {
        var port = FreePorts.Next();
        var directory = Directory.CreateTempSubdirectory("globalbrain-redis-").FullName;
        var server = new RedisServer(Launch(port, directory, appendOnly), port, directory, appendOnly);
        await server.WaitForPingAsync();
        return server;
    }

    /// <summary>Freezes the server (SIGSTOP) until <see cref="Resume"/>.</summary>
    public void Pause() => _process.Pause();

    public void Resume() => _process.Resume();

    /// <summary>Kills the server (SIGKILL) and, after <paramref name="down"/>, starts it again on the same port and folder (with its append-only file).</summary>
    public async Task KillAndRestartAsync(TimeSpan down)
    {
        _process.KillAbruptly();
        _process.Dispose();
        await Task.Delay(down);
        _process = Launch(Port, _directory, _appendOnly);
        await WaitForPingAsync();
    }

    private static ServerProcess Launch(int port, string directory, bool appendOnly) => ServerProcess.Start(
        "redis-server",
        ClusterProcesses.RedisServerPath ?? throw new InvalidOperationException(ClusterProcesses.MissingRedis),
        ["--port", SiloCommandLine.Invariant(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always", "--dir", directory],
        directory);

    private async Task WaitForPingAsync()
    {
        try
        {
            await Poll.WaitForAsync(
                $"redis-server to answer PING on port {Port}",
                async () =>
                {
                    if (await PingAsync())
                    {
                        return true;
                    }

                    return _process.HasExited ? throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode}:\n{_process.Log}") : false;
                },
                TimeSpan.FromSeconds(30),
                TimeSpan.FromMilliseconds(100),
                () => _process.Log);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Keys under a prefix, by the plain RESP protocol (KEYS is fine for a test database).</summary>
    public async Task<int> CountKeysAsync(string pattern)
    {
        var reply = await SendAsync($"*2\r\n$4\r\nKEYS\r\n${Encoding.UTF8.GetByteCount(pattern)}\r\n{pattern}\r\n");
        return reply.StartsWith('*') ? int.Parse(reply.AsSpan(1, reply.IndexOf('\r', StringComparison.Ordinal) - 1), CultureInfo.InvariantCulture) : -1;
    }

    public void Dispose()
    {
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            return (await SendAsync("PING\r\n")).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task<string> SendAsync(string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}

/// <summary>One silo process of a Redis-backed cluster: membership and grain state in Redis, free loopback ports.</summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly ServerProcess _process;

    private SiloProcess(ServerProcess process, int httpPort, int siloPort, int gatewayPort)
    {
        _process = process;
        HttpPort = httpPort;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int HttpPort { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public string Log => _process.Log;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts a silo; <paramref name="settings"/> are added to (and override) the Redis cluster settings.</summary>
    public static SiloProcess Start(string name, RedisServer redis, string clusterId, int experts, IReadOnlyDictionary<string, string>? settings = null)
    {
        var httpPort = FreePorts.Next();
        var siloPort = FreePorts.Next();
        var gatewayPort = FreePorts.Next();
        var all = new Dictionary<string, string>
        {
            ["GlobalBrain:Cluster:Provider"] = "redis",
            ["GlobalBrain:Cluster:Redis"] = redis.ConnectionString,
            ["GlobalBrain:Storage:Provider"] = "redis",
            ["GlobalBrain:Cluster:AdvertisedAddress"] = "127.0.0.1",
            ["GlobalBrain:Cluster:ClusterId"] = clusterId,
            ["GlobalBrain:Experts:Count"] = SiloCommandLine.Invariant(experts),
            ["GlobalBrain:Experts:FlowRate"] = "2",

            // A silo that vanishes is declared dead in seconds rather than the production default (tens of seconds).
            ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
            ["Orleans:Membership:NumMissedProbesLimit"] = "2",
            ["Orleans:Membership:NumVotesForDeathDeclaration"] = "1",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return new SiloProcess(
            ServerProcess.Start(name, "dotnet", [SiloCommandLine.Dll, .. SiloCommandLine.OnLoopback(httpPort, siloPort, gatewayPort), .. SiloCommandLine.From(all)], AppContext.BaseDirectory),
            httpPort,
            siloPort,
            gatewayPort);
    }

    public async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(SiloCommandLine.Url(HttpPort)), Timeout = TimeSpan.FromSeconds(10) };
        await _process.WaitUntilReadyAsync(http, "/healthz/ready", TimeSpan.FromSeconds(120));
    }

    public Task<int> StopGracefullyAsync() => _process.StopGracefullyAsync(TimeSpan.FromSeconds(60));

    public void KillAbruptly() => _process.KillAbruptly();

    public void Dispose() => _process.Dispose();
}
