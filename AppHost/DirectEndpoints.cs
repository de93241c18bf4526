using Microsoft.Extensions.Configuration;

namespace Shop.AppHost;

/// <summary>
/// Every project resource listens on its endpoints' ports itself, without DCP's proxy in front: one loopback hop and
/// DCP's copy of every byte fewer per call (client → gateway, gateway → users and orders, orders → payments, services →
/// the Shop dashboard). The ports stay the ones configured (gateway 5080, Shop dashboard 16686, 4317, 4318; each service
/// its launch profile's), and under DcpPublisher:RandomizePorts DCP picks free ones, as it did for the proxies.
/// A proxy-less endpoint cannot serve several replicas; the suite runs one of each. load/README.md has what it saves.
/// </summary>
internal static class DirectEndpoints
{
    /// <summary>Turns DCP's proxy off for every endpoint of every project resource (the Aspire dashboard is not one).</summary>
    public static IDistributedApplicationBuilder ListenWithoutProxies(this IDistributedApplicationBuilder builder)
    {
        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            var randomize = builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts"); // the command line's, or a test host's default
            foreach (var endpoint in @event.Model.Resources.OfType<ProjectResource>().SelectMany(p => p.Annotations.OfType<EndpointAnnotation>()))
            {
                endpoint.IsProxied = false;
                // Without a proxy the process binds the port: the configured one (Port and TargetPort must then match),
                // or one DCP allocates when both are unset.
                if (randomize)
                {
                    endpoint.Port = null;
                }

                endpoint.TargetPort = endpoint.Port;
            }

            return Task.CompletedTask;
        });
        return builder;
    }
}
