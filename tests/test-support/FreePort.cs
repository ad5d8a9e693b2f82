using System.Net;
using System.Net.Sockets;

namespace TestSupport;

public static class FreePort
{
    // Asks the OS for a free loopback port. Another process may take it before we bind it; callers
    // that start servers retry with a new port when that happens.
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
