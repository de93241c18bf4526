using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;
using Shop.ServiceDefaults.Grpc;

namespace Microsoft.Extensions.Hosting;

/// <summary>A Shop gRPC client on Grpc.Net.ClientFactory, addressed by service discovery.</summary>
public static class GrpcClientExtensions
{
    /// <summary>
    /// Adds the generated client <typeparamref name="TClient"/> for the service <paramref name="service"/> at
    /// <c>http://_grpc.{service}</c>: service discovery resolves it from configuration <c>Services:{service}:grpc:0</c>
    /// (the <c>services__{service}__grpc__0</c> variable Aspire sets) through the service discovery AddServiceDefaults gives
    /// every HttpClient. Calls made while serving a gRPC call carry its deadline and cancellation; calls made elsewhere
    /// (an HTTP request, a worker) go out with their own. No HTTP resilience handler: gRPC reports its status in the
    /// trailers of an HTTP 200, which such a handler cannot see, and it would retry non-idempotent calls; callers retry
    /// per method (a Polly pipeline around the call), with a deadline per attempt.
    /// </summary>
    public static IHttpClientBuilder AddServiceGrpcClient<TClient>(this IServiceCollection services, string service)
        where TClient : class
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        return services
            .AddGrpcClient<TClient>(options => options.Address = new Uri($"http://_grpc.{service}"))
            .EnableCallContextPropagation(options => options.SuppressContextNotFoundErrors = true)
            .AddInterceptor(() => GrpcClientTelemetry.Instance);
    }
}
