using System.Globalization;

namespace GlobalBrain.Testing;

/// <summary>
/// The command line of a silo that a test starts, in its own process (<see cref="Dll"/>) or in the test's
/// (<c>SiloApp.Build(args)</c>): the API on a loopback port and the cluster ports free, so that silos of
/// parallel tests and other processes on the machine never collide.
/// </summary>
public static class SiloCommandLine
{
    /// <summary>The silo program, copied into the test's output folder by its project reference to the silo.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "globalbrain-silo.dll");

    /// <summary><c>--urls</c> on <paramref name="apiPort"/> of the loopback address, and free silo and gateway ports.</summary>
    public static string[] OnLoopback(int apiPort) => OnLoopback(apiPort, FreePorts.Next(), FreePorts.Next());

    /// <summary><c>--urls</c> on <paramref name="apiPort"/> of the loopback address, and the given silo and gateway ports.</summary>
    public static string[] OnLoopback(int apiPort, int siloPort, int gatewayPort) =>
    [
        "--urls", Url(apiPort),
        "--GlobalBrain:Cluster:SiloPort", Invariant(siloPort),
        "--GlobalBrain:Cluster:GatewayPort", Invariant(gatewayPort),
    ];

    /// <summary>Settings as command-line arguments: <c>--Key value</c> for each (a key uses ':' between sections).</summary>
    public static IEnumerable<string> From(IEnumerable<KeyValuePair<string, string>> settings)
    {
        foreach (var (key, value) in settings)
        {
            yield return "--" + key;
            yield return value;
        }
    }

    /// <summary>http://127.0.0.1:<paramref name="port"/>, the address a test's silo listens on and its clients call.</summary>
    public static string Url(int port) => "http://127.0.0.1:" + Invariant(port);

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
