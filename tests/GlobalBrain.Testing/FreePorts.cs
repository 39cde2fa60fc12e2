using System.Net;
using System.Net.Sockets;

namespace GlobalBrain.Testing;

/// <summary>Free loopback ports for the servers the tests start (never fixed ports: other processes share the machine).</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
