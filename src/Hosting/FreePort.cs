using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Shop.Hosting;

/// <summary>Free TCP ports on the loopback interface.</summary>
public static class FreePort
{
    private const int MaxAttempts = 1_000;

    // Every port handed out by this process. Once a probe's listener is closed the kernel may give the same port to the
    // next probe, so two servers started side by side (one test's query and OTLP ports) could be told the same port.
    private static readonly ConcurrentDictionary<int, byte> Given = new();

    /// <summary>
    /// Asks the kernel for a port that is free on 127.0.0.1 right now and that this process was not given before. Another
    /// process can still take it before the caller binds it; a server started on it fails then with "address in use".
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (Given.TryAdd(port, 0))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free port on 127.0.0.1 that this process was not given before, after {MaxAttempts} tries.");
    }

    /// <summary>True when nothing listens on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
