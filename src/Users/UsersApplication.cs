using Shop.Data;
using Shop.Grpc;
using Shop.Users.Directory;
using Shop.Users.Storage;
using V1 = Shop.Contracts.Users.V1;

namespace Microsoft.Extensions.Hosting;

/// <summary>The users service: its database and its gRPC API.</summary>
public static class UsersApplication
{
    /// <summary>Registers the users database (ConnectionStrings:users) and the gRPC server.</summary>
    public static IHostApplicationBuilder AddUsers(this IHostApplicationBuilder builder)
    {
        builder.AddShopDatabase<UsersDbContext>("users");
        // A database that cannot be reached is a transient failure for callers (UNAVAILABLE: retry), not a bug (INTERNAL).
        builder.Services.AddGrpcServer(grpc => grpc.ExceptionStatus = e =>
            DatabaseErrors.IsTransient(e) ? new Status(StatusCode.Unavailable, DatabaseErrors.UnavailableMessage) : null);
        builder.Services.AddScoped<UsersApi>();
        return builder;
    }

    /// <summary>Maps shop.users.v1.UsersService; it needs a Kestrel endpoint with Protocols=Http2.</summary>
    public static WebApplication MapUsers(this WebApplication app)
    {
        app.MapGrpcService(V1.UsersReflection.Descriptor.Services[0])
            .Unary<UsersApi, V1.CreateUserRequest, V1.User>("CreateUser", (api, request, context) => api.CreateAsync(request, context))
            .Unary<UsersApi, V1.GetUserRequest, V1.User>("GetUser", (api, request, context) => api.GetAsync(request, context))
            .Unary<UsersApi, V1.ListUsersRequest, V1.ListUsersResponse>("ListUsers", (api, request, context) => api.ListAsync(request, context));
        return app;
    }
}
