using Microsoft.Extensions.Http.Resilience;
using Polly;
using Shop.Gateway;
using Shop.Gateway.Dependencies;
using Shop.Gateway.Orders;
using Shop.Gateway.Tenancy;
using Shop.Gateway.Users;
using Shop.Contracts.Users.V1;

namespace Microsoft.Extensions.Hosting;

/// <summary>The gateway's own registrations and endpoints.</summary>
public static class GatewayExtensions
{
    private const string OpenApiPath = "/openapi/v1.json";

    /// <summary>Adds the users (gRPC) and orders (HTTP) clients with resilience, the checkout metrics and OpenAPI.</summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.Section))
            .Validate(o => o.OrdersTotalTimeout >= o.OrdersTimeout, $"{GatewayOptions.Section}:{nameof(GatewayOptions.OrdersTotalTimeout)} must be at least {nameof(GatewayOptions.OrdersTimeout)}.")
            .Validate(o => o.KnownUserLifetime >= TimeSpan.Zero && o.KnownUsersLimit > 0, $"{GatewayOptions.Section}:{nameof(GatewayOptions.KnownUserLifetime)} must not be negative and {nameof(GatewayOptions.KnownUsersLimit)} must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<GatewayMetrics>();

        // Users over gRPC at http://_grpc.users, resolved from Services:users:grpc:0 (Services__users__grpc__0).
        // Its retry and circuit breaker are a Polly pipeline around each call, not an HTTP handler (see UsersResilience).
        builder.Services.AddServiceGrpcClient<UsersService.UsersServiceClient>(UsersClient.ServiceName);
        builder.Services.AddResiliencePipeline(UsersClient.ServiceName, UsersResilience.Configure);
        builder.Services.AddTransient<UsersClient>();
        builder.Services.AddSingleton<KnownUsers>();

        // Orders over HTTP at http://orders, resolved from Services:orders:http:0 (Services__orders__http__0) by the
        // service discovery every HttpClient gets from AddServiceDefaults.
        builder.Services.AddHttpClient<OrdersClient>(client =>
            {
                client.BaseAddress = new Uri($"http://{OrdersClient.ServiceName}");
                // The handler's total timeout is the one deadline: it answers TimeoutRejectedException (a 504), where
                // HttpClient.Timeout would be a bare TaskCanceledException.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddStandardResilienceHandler()
            .Configure((resilience, services) =>
                OrdersResilience.Configure(resilience, services.GetRequiredService<IOptions<GatewayOptions>>().Value));

        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>Maps /api/users, /api/orders, /openapi/v1.json and an index at / that points to it.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseTenantFromHeader();
        app.MapOpenApi();

        // Whoever opens the gateway's address in a browser or with curl finds where the API is described.
        app.MapGet("/", () => TypedResults.Ok(new GatewayIndex(OpenApiPath, "/api/users", "/api/orders"))).ExcludeFromDescription();
        var api = app.MapGroup("/api").AddEndpointFilter<DependencyFailureFilter>();
        api.MapUsersApi();
        api.MapOrdersApi();
        return app;
    }
}

/// <summary>What GET / answers: where the OpenAPI document and the API's roots are.</summary>
public sealed record GatewayIndex(string OpenApi, string Users, string Orders);
