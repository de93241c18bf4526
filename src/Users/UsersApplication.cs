using Shop.Data;
using Grpc.Core;
using Shop.Users.Directory;
using Shop.Users.Storage;

namespace Microsoft.Extensions.Hosting;

/// <summary>The users service: its database and its gRPC API.</summary>
public static class UsersApplication
{
    /// <summary>Registers the users database (ConnectionStrings:users) and the gRPC server.</summary>
    public static IHostApplicationBuilder AddUsers(this IHostApplicationBuilder builder)
    {
        builder.AddShopDatabase<UsersDbContext>("users");
        // A database that cannot be reached is a transient failure for callers (UNAVAILABLE: retry), not a bug (INTERNAL).
        builder.AddGrpcServer(e => DatabaseErrors.IsTransient(e) ? new Status(StatusCode.Unavailable, DatabaseErrors.UnavailableMessage) : null);
        return builder;
    }

    /// <summary>Maps shop.users.v1.UsersService; it needs a Kestrel endpoint with Protocols=Http2.</summary>
    public static WebApplication MapUsers(this WebApplication app)
    {
        app.MapGrpcServer<UsersApi>();
        return app;
    }
}
