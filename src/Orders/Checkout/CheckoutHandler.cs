using Grpc.Core;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Shop.Conventions;
using Shop.Data;
using Shop.Orders.Ordering;
using Shop.Orders.Payments;
using Shop.Orders.Storage;

namespace Shop.Orders.Checkout;

/// <summary>
/// POST /orders: stores the order Pending, charges it, stores Paid or PaymentFailed. Once the order is stored it is never
/// lost: when payments cannot be reached it stays Pending (202) and the reconciler finishes it.
/// </summary>
internal sealed partial class CheckoutHandler(
    OrdersDbContext db, PaymentCharger charger, OrderCompletion completion, ILogger<CheckoutHandler> logger)
{
    private const string IdempotencyIndex = "ix_orders_user_id_idempotency_key";

    public async Task<IResult> PlaceAsync(HttpContext http, string? idempotencyKey, PlaceOrderRequest? request)
    {
        var cancellationToken = http.RequestAborted;
        var (valid, errors) = OrderValidation.Validate(idempotencyKey, request);
        var tenantId = Activity.Current?.GetBaggageItem(TelemetryAttributes.TenantId);
        if (tenantId is not null && !OrderValidation.IsPrintableAscii(tenantId, Order.MaxTenantIdLength))
        {
            errors["baggage." + TelemetryAttributes.TenantId] = [$"must be 1 to {Order.MaxTenantIdLength} printable ASCII characters"];
        }

        if (valid is null || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        Activity.Current?.SetTag(TelemetryAttributes.UserId, valid.UserId.ToString());

        // Insert first: the unique index on (user id, Idempotency-Key) tells a new order from a repeat, so a new order
        // costs no lookup. order.id goes on this span and into the baggage before anything is written, so the INSERT's
        // span has it too (on a repeat, that is the id this request would have had; the order it gets is tagged next).
        var id = Guid.CreateVersion7();
        OrdersTelemetry.TagOrder(id);
        var order = Order.Place(valid.UserId, tenantId, idempotencyKey!, valid.RequestHash, valid.Currency, valid.Lines, valid.TotalMinor,
            StoredTraceContext.Capture(Activity.Current), DatabaseTime.UtcNow, id);
        db.Orders.Add(order);
        try
        {
            // The order and its lines in one batch, one implicit transaction: no COMMIT round trip of EF Core's own.
            await db.SaveChangesAsOneBatchAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e, IdempotencyIndex))
        {
            // The key was used before, by an earlier request or a concurrent one that stored its order first: answer with
            // that order (once the violation is raised, the other transaction has committed, so the lookup finds it).
            db.ChangeTracker.Clear();
            return Replay(http, (await FindAsync(valid.UserId, idempotencyKey!, cancellationToken))!, valid);
        }

        try
        {
            order = await completion.ApplyAsync(order, await charger.ChargeAsync(order, cancellationToken), cancellationToken);
        }
        catch (RpcException e)
        {
            LogLeftPending(logger, order.Id, e.StatusCode);
        }

        OrdersTelemetry.CountPlaced(order);
        return Answer(order);
    }

    private IResult Replay(HttpContext http, Order existing, ValidOrder request)
    {
        OrdersTelemetry.TagOrder(existing.Id);
        if (existing.RequestHash != request.RequestHash)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key already used",
                detail: $"This user already used the {ShopHeaders.IdempotencyKey} for a different request.");
        }

        LogReplayed(logger, existing.Id, existing.Status);
        http.Response.Headers[ShopHeaders.IdempotencyReplayed] = "true";
        return Answer(existing);
    }

    /// <summary>201 once the order is final (a declined payment is a created order too), 202 while it is still Pending.</summary>
    private static IResult Answer(Order order)
    {
        var location = $"/orders/{order.Id}";
        var body = OrderResponse.From(order);
        return order.Status == OrderStatus.Pending ? TypedResults.Accepted(location, body) : TypedResults.Created(location, body);
    }

    private Task<Order?> FindAsync(Guid userId, string idempotencyKey, CancellationToken cancellationToken) =>
        db.Orders.AsNoTracking().Include(o => o.Lines)
            .SingleOrDefaultAsync(o => o.UserId == userId && o.IdempotencyKey == idempotencyKey, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} stays Pending: payments answered {StatusCode}; the reconciler will charge it again")]
    private static partial void LogLeftPending(ILogger logger, Guid orderId, StatusCode statusCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} requested again with its Idempotency-Key; it is {Status}")]
    private static partial void LogReplayed(ILogger logger, Guid orderId, OrderStatus status);
}
