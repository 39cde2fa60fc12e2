using System.Net;
using System.Net.Sockets;

namespace GlobalBrain.Silo.Tests.Hosting;

/// <summary>The silo program (and a Redis server) run as their own processes, as an operator runs them.</summary>
internal static class SiloProcesses
{
    /// <summary>Starts the silo on a free loopback API port (<paramref name="settings"/> may override it) and free cluster ports.</summary>
    public static ServerProcess StartSilo(string name, IEnumerable<string> settings, IReadOnlyDictionary<string, string>? environment = null) =>
        ServerProcess.Start(
            name,
            "dotnet",
            [SiloCommandLine.Dll, .. SiloCommandLine.OnLoopback(FreePorts.Next()), .. settings],
            AppContext.BaseDirectory,
            environment);

    /// <summary>A redis-server on a free loopback port that requires <paramref name="password"/>, or null when redis-server is not installed.</summary>
    public static async Task<(ServerProcess Server, int Port)?> StartRedisAsync(string password)
    {
        if (ProcessRunner.FindOnPath("redis-server") is not { } redis)
        {
            return null;
        }

        var port = FreePorts.Next();
        var server = ServerProcess.Start(
            "redis-server",
            redis,
            ["--port", SiloCommandLine.Invariant(port), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--appendonly", "no"],
            Path.GetTempPath());
        await Poll.WaitForAsync(
            $"redis-server to accept connections on port {port}",
            async () =>
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    return true;
                }
                catch (SocketException) when (!server.HasExited)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(100),
            () => server.Log);
        return (server, port);
    }
}
