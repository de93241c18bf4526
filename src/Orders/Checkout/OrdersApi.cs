using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shop.Conventions;
using Shop.Orders.Ordering;
using Shop.Orders.Storage;

namespace Shop.Orders.Checkout;

/// <summary>The internal HTTP API: POST /orders, GET /orders/{id}, GET /orders?userId=.</summary>
internal static class OrdersApi
{
    /// <summary>How many orders GET /orders?userId= returns at most, newest first.</summary>
    public const int MaxListed = 100;

    /// <summary>Largest body POST /orders reads: 100 lines at their longest take about 12 KB.</summary>
    public const long MaxPlaceOrderBodyBytes = 64 * 1024;

    public static void MapOrdersApi(this IEndpointRouteBuilder endpoints)
    {
        // Full paths rather than a group: a group's "" route would read "/orders/" in http.route and span names.
        endpoints.MapPost("/orders", (HttpContext http, [FromHeader(Name = ShopHeaders.IdempotencyKey)] string? idempotencyKey,
                [FromBody] PlaceOrderRequest? request, CheckoutHandler checkout) => checkout.PlaceAsync(http, idempotencyKey, request))
            .WithMetadata(new RequestSizeLimitAttribute(MaxPlaceOrderBodyBytes));
        endpoints.MapGet("/orders/{id:guid}", GetAsync);
        endpoints.MapGet("/orders", ListAsync);
    }

    private static async Task<IResult> GetAsync(Guid id, OrdersDbContext db, CancellationToken cancellationToken)
    {
        System.Diagnostics.Activity.Current?.SetTag(TelemetryAttributes.OrderId, id.ToString());
        var order = await db.Orders.AsNoTracking().Include(o => o.Lines).SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        return order is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Order not found", detail: $"There is no order {id}.")
            : TypedResults.Ok(OrderResponse.From(order));
    }

    private static async Task<IResult> ListAsync(string? userId, OrdersDbContext db, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(userId, out var user))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["query parameter is required and must be a UUID"] });
        }

        System.Diagnostics.Activity.Current?.SetTag(TelemetryAttributes.UserId, user.ToString());
        var orders = await db.Orders.AsNoTracking().Include(o => o.Lines)
            .Where(o => o.UserId == user)
            .OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id)
            .Take(MaxListed)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(orders.Select(OrderResponse.From).ToList());
    }
}
