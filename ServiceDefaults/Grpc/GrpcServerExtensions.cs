using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Shop.ServiceDefaults.Grpc;

namespace Microsoft.Extensions.Hosting;

/// <summary>A Shop gRPC server on Grpc.AspNetCore: the suite's status contract, health, reflection and RPC telemetry.</summary>
public static class GrpcServerExtensions
{
    /// <summary>
    /// Adds Grpc.AspNetCore with the interceptor that maps a handler's exception to a status
    /// (<paramref name="exceptionStatus"/>, else INTERNAL, never the exception's text), the gRPC health service
    /// over the same checks as <c>/health</c>, and server reflection in Development.
    /// </summary>
    public static IHostApplicationBuilder AddGrpcServer(this IHostApplicationBuilder builder, Func<Exception, Status?>? exceptionStatus = null)
    {
        builder.Services.Configure<GrpcExceptionStatusOptions>(options => options.Map = exceptionStatus);
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<ExceptionStatusInterceptor>());
        builder.Services.AddGrpcHealthChecks();
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddGrpcReflection();
        }

        return builder;
    }

    /// <summary>Maps <typeparamref name="TService"/>, grpc.health.v1.Health and, in Development, reflection; the endpoint must speak HTTP/2.</summary>
    public static WebApplication MapGrpcServer<TService>(this WebApplication app)
        where TService : class
    {
        app.UseMiddleware<GrpcServerTelemetry>();
        app.MapGrpcService<TService>();
        app.MapGrpcHealthChecksService();
        if (app.Environment.IsDevelopment())
        {
            app.MapGrpcReflectionService();
        }

        return app;
    }
}
