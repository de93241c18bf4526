using Shop.AppHost.Model;
using Shop.Hosting;

namespace Shop.AppHost.Run;

/// <summary>The fixed ports are checked before anything starts, so a taken one costs nothing but a message.</summary>
internal static class PortCheck
{
    /// <exception cref="HostingException">A fixed port is in use; the message names it and the option that changes it.</exception>
    public static void EnsureFree(IEnumerable<Resource> resources)
    {
        foreach (var resource in resources)
        {
            foreach (var endpoint in resource.Endpoints.Where(e => e.Option is not null))
            {
                if (!FreePort.IsFree(endpoint.Port))
                {
                    throw new HostingException(
                        $"Port {endpoint.Port} ({resource.Name} {endpoint.Name}) on 127.0.0.1 is already in use. " +
                        $"Stop what listens there (ss -ltnp 'sport = :{endpoint.Port}' shows it) or choose another port with {endpoint.Option} N.");
                }
            }
        }
    }
}
