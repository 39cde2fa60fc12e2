using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GlobalBrain.Silo.Tests.Observability;

namespace GlobalBrain.Silo.Tests.Hosting;

/// <summary>The silo program (and a Redis server) run as their own processes, as an operator runs them.</summary>
internal static class SiloProcesses
{
    public static string SiloDll => Path.Combine(AppContext.BaseDirectory, "globalbrain-silo.dll");

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts the silo on a free loopback API port (<paramref name="settings"/> may override it) and free cluster ports.</summary>
    public static ServerProcess StartSilo(string name, IEnumerable<string> settings, IReadOnlyDictionary<string, string>? environment = null) =>
        ServerProcess.Start(
            name,
            "dotnet",
            [
                SiloDll,
                "--urls", $"http://127.0.0.1:{Invariant(FreePorts.Next())}",
                "--GlobalBrain:Cluster:SiloPort", Invariant(FreePorts.Next()),
                "--GlobalBrain:Cluster:GatewayPort", Invariant(FreePorts.Next()),
                .. settings,
            ],
            AppContext.BaseDirectory,
            environment);

    /// <summary>A redis-server on a free loopback port that requires <paramref name="password"/>, or null when redis-server is not installed.</summary>
    public static async Task<(ServerProcess Server, int Port)?> StartRedisAsync(string password)
    {
        if (ObservabilityTools.FindOnPath("redis-server") is not { } redis)
        {
            return null;
        }

        var port = FreePorts.Next();
        var server = ServerProcess.Start(
            "redis-server",
            redis,
            ["--port", Invariant(port), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--appendonly", "no"],
            Path.GetTempPath());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return (server, port);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }
}
