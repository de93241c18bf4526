#if (grpc && database)
using Grpc.Core;
#endif
#if (database)
using Shop.Data;
#endif
using Shop.TemplateService.Items;
#if (database)
using Shop.TemplateService.Storage;
#endif

namespace Microsoft.Extensions.Hosting;

/// <summary>The templateservice service: its items and their API.</summary>
public static class TemplateServiceApplication
{
#if (database)
    /// <summary>Registers the templateservice database (ConnectionStrings:templateservice) and the API.</summary>
#else
    /// <summary>Registers the item catalog and the API.</summary>
#endif
    public static IHostApplicationBuilder AddTemplateService(this IHostApplicationBuilder builder)
    {
#if (database)
        builder.AddShopDatabase<TemplateServiceDbContext>("templateservice");
#else
        builder.Services.AddSingleton<ItemCatalog>();
#endif
#if (grpc && database)
        // A database that cannot be reached is a transient failure for callers (UNAVAILABLE: retry), not a bug (INTERNAL).
        builder.AddGrpcServer(e => DatabaseErrors.IsTransient(e) ? new Status(StatusCode.Unavailable, DatabaseErrors.UnavailableMessage) : null);
#elif (grpc)
        builder.AddGrpcServer();
#endif
        return builder;
    }

#if (grpc)
    /// <summary>Maps shop.templateservice.v1.TemplateServiceService; it needs a Kestrel endpoint with Protocols=Http2.</summary>
#else
    /// <summary>Maps POST /items.</summary>
#endif
    public static WebApplication MapTemplateService(this WebApplication app)
    {
#if (grpc)
        app.MapGrpcServer<ItemsApi>();
#else
        app.MapItemsApi();
#endif
        return app;
    }
}
