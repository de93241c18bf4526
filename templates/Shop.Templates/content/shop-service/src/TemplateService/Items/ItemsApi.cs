#if (grpc)
using Grpc.Core;
#if (database)
using Microsoft.EntityFrameworkCore;
using Shop.Data;
using Shop.TemplateService.Storage;
#endif
using V1 = Shop.Contracts.TemplateService.V1;

namespace Shop.TemplateService.Items;

#if (database)
/// <summary>shop.templateservice.v1.TemplateServiceService: creates items, unique by name, in the templateservice database.</summary>
internal sealed class ItemsApi(TemplateServiceDbContext db) : V1.TemplateServiceService.TemplateServiceServiceBase
#else
/// <summary>shop.templateservice.v1.TemplateServiceService: creates items, unique by name.</summary>
internal sealed class ItemsApi(ItemCatalog catalog) : V1.TemplateServiceService.TemplateServiceServiceBase
#endif
{
#if (database)
    private const string NameIndex = "ix_items_name";

    public override async Task<V1.Item> CreateItem(V1.CreateItemRequest request, ServerCallContext context)
#else
    public override Task<V1.Item> CreateItem(V1.CreateItemRequest request, ServerCallContext context)
#endif
    {
        var (name, error) = Item.ValidName(request.Name);
        if (error is not null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }

#if (database)
        var item = new Item { Id = Guid.CreateVersion7(), Name = name!, CreatedAt = DatabaseTime.UtcNow };
        db.Items.Add(item);
        try
        {
            // The unique index decides, so two concurrent creations of one name cannot both succeed.
            await db.SaveChangesAsync(context.CancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e, NameIndex))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, "name: is already taken"));
        }

        return new V1.Item { Id = item.Id.ToString(), Name = item.Name };
#else
        var item = new Item { Id = Guid.CreateVersion7(), Name = name!, CreatedAt = DateTimeOffset.UtcNow };
        return catalog.TryAdd(item)
            ? Task.FromResult(new V1.Item { Id = item.Id.ToString(), Name = item.Name })
            : throw new RpcException(new Status(StatusCode.AlreadyExists, "name: is already taken"));
#endif
    }
}
#else
#if (database)
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Shop.Data;
using Shop.TemplateService.Storage;
#else
using Microsoft.AspNetCore.Http.HttpResults;
#endif

namespace Shop.TemplateService.Items;

/// <summary>The HTTP API: POST /items creates an item, unique by name.</summary>
internal static class ItemsApi
{
#if (database)
    private const string NameIndex = "ix_items_name";

#endif
    /// <summary>The body of POST /items.</summary>
    public sealed record CreateItemRequest(string? Name);

    /// <summary>An item as the API returns it.</summary>
    public sealed record ItemResponse(Guid Id, string Name, DateTimeOffset CreatedAt);

    public static void MapItemsApi(this IEndpointRouteBuilder endpoints) => endpoints.MapPost("/items", CreateAsync);

#if (database)
    private static async Task<Results<Created<ItemResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateItemRequest? request, TemplateServiceDbContext db, CancellationToken cancellationToken)
#else
    private static Results<Created<ItemResponse>, ValidationProblem, ProblemHttpResult> CreateAsync(CreateItemRequest? request, ItemCatalog catalog)
#endif
    {
        var (name, error) = Item.ValidName(request?.Name);
        if (error is not null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [error] });
        }

#if (database)
        var item = new Item { Id = Guid.CreateVersion7(), Name = name!, CreatedAt = DatabaseTime.UtcNow };
        db.Items.Add(item);
        try
        {
            // The unique index decides, so two concurrent creations of one name cannot both succeed.
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e, NameIndex))
        {
            return NameTaken();
        }
#else
        var item = new Item { Id = Guid.CreateVersion7(), Name = name!, CreatedAt = DateTimeOffset.UtcNow };
        if (!catalog.TryAdd(item))
        {
            return NameTaken();
        }
#endif

        return TypedResults.Created((string?)null, new ItemResponse(item.Id, item.Name, item.CreatedAt));
    }

    private static ProblemHttpResult NameTaken() =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Name taken", detail: "name: is already taken");
}
#endif
