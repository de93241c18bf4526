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
    /// <summary>Adds the users (gRPC) and orders (HTTP) clients with resilience, the checkout metrics and OpenAPI.</summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<DependencyPipelines>();
        builder.Services.AddSingleton<GatewayMetrics>();

        // Users over gRPC at http://_grpc.users, resolved from Services:users:grpc:0 (Services__users__grpc__0).
        builder.Services.AddServiceGrpcClient<UsersService.UsersServiceClient>(UsersClient.ServiceName);
        builder.Services.AddTransient<UsersClient>();

        // Orders over HTTP: address from Services:orders:http:0 (Services__orders__http__0).
        builder.Services.AddHttpClient<OrdersClient>(client =>
        {
            client.BaseAddress = ServiceAddress.Http(builder.Configuration, OrdersClient.ServiceName);
            client.Timeout = Timeout.InfiniteTimeSpan; // per attempt, by the resilience pipeline
        });

        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>Maps /api/users, /api/orders and /openapi/v1.json.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseTenantFromHeader();
        app.MapOpenApi();
        var api = app.MapGroup("/api").AddEndpointFilter<DependencyFailureFilter>();
        api.MapUsersApi();
        api.MapOrdersApi();
        return app;
    }
}
