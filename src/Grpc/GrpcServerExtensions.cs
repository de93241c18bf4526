using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Shop.Grpc;

public static class GrpcServerExtensions
{
    /// <summary>Registers what MapGrpcService needs; the Kestrel endpoint serving gRPC must speak HTTP/2 (Protocols=Http2 for cleartext).</summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        services.AddRouting();
        var options = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<GrpcServer>();
        return services;
    }

    /// <summary>Maps a protobuf service at /{package.Service}/{Method}; add its methods with Unary(...).</summary>
    public static GrpcServiceBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, ServiceDescriptor service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var server = endpoints.ServiceProvider.GetService<GrpcServer>()
            ?? throw new InvalidOperationException("Call services.AddGrpcServer() before MapGrpcService.");
        if (server.AddService(service.FullName))
        {
            // One catch-all per application answers UNIMPLEMENTED for every path no mapped method claims.
            // It runs last, so any other endpoint of the application wins over it.
            endpoints.MapPost("{service}/{method}", server.HandleUnimplementedAsync)
                .WithOrder(int.MaxValue)
                .WithDisplayName("gRPC unimplemented");
        }

        return new GrpcServiceBuilder(endpoints, service, server);
    }
}
