using System.Net;
using System.Net.Sockets;

namespace Shop.Hosting.Tests;

public sealed class FreePortTests
{
    [Fact]
    public void Ports_handed_out_are_never_handed_out_again_by_the_same_process()
    {
        // The kernel picks a random free port for each probe, so 2,000 probes of a range of about 28,000 ports repeat
        // one almost surely (a repeat once gave one dashboard the same port for two listeners, and it refused to start).
        var ports = Enumerable.Range(0, 2_000).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public void A_port_handed_out_can_be_bound()
    {
        var port = FreePort.Next();
        using var listener = new TcpListener(IPAddress.Loopback, port);

        listener.Start();

        Assert.Equal(port, ((IPEndPoint)listener.LocalEndpoint).Port);
        Assert.False(FreePort.IsFree(port));
    }
}
