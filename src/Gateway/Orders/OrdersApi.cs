using Shop.Conventions;
using Shop.Gateway.Dependencies;
using Shop.Gateway.Users;

namespace Shop.Gateway.Orders;

/// <summary>/api/orders: checkout and order lookup.</summary>
public static class OrdersApi
{
    /// <summary>Largest body POST /api/orders reads: 100 lines at their longest take about 13 KB.</summary>
    public const long MaxCheckoutBodyBytes = 64 * 1024;

    public static RouteGroupBuilder MapOrdersApi(this RouteGroupBuilder api)
    {
        // Paths written out in full: a nested group would make the route template "/api/orders/".
        api.MapPost("/orders", Checkout)
            .WithTags("Orders")
            .WithName("Checkout")
            .WithSummary("Places an order and charges it. Repeat with the same Idempotency-Key to retry safely.")
            .Accepts<CheckoutRequest>("application/json")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxCheckoutBodyBytes))
            .Produces<OrderView>(StatusCodes.Status201Created)
            .Produces<OrderView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/orders/{id}", Get)
            .WithTags("Orders")
            .WithName("GetOrder")
            .Produces<OrderView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> Checkout(HttpContext http, UsersClient users, OrdersClient orders, GatewayMetrics metrics, CancellationToken cancellationToken)
    {
        var span = http.Features.Get<IHttpActivityFeature>()?.Activity;
        ValidCheckout? checkout;
        Dictionary<string, string[]> errors;
        try
        {
            (checkout, errors) = await CheckoutValidation.ReadAsync(http.Request, cancellationToken);
        }
        catch (BadHttpRequestException)
        {
            // A body over the limit, or one the server could not read: the error handler answers its 4xx.
            metrics.Checkout(CheckoutOutcome.Rejected, span);
            throw;
        }

        if (checkout is null)
        {
            metrics.Checkout(CheckoutOutcome.Rejected, span);
            return TypedResults.ValidationProblem(errors);
        }

        span?.SetTag(TelemetryAttributes.UserId, checkout.UserId.ToString());
        try
        {
            if (!await users.ExistsAsync(checkout.UserId, cancellationToken))
            {
                metrics.Checkout(CheckoutOutcome.Rejected, span);
                return UsersApi.UserNotFound(checkout.UserId);
            }

            var placed = await orders.PlaceAsync(checkout.Order, checkout.IdempotencyKey, cancellationToken);
            return Answer(http, placed, span, metrics);
        }
        catch (DependencyException)
        {
            metrics.Checkout(CheckoutOutcome.Unavailable, span);
            throw;
        }
    }

    private static IResult Answer(HttpContext http, PlaceOrderResult placed, System.Diagnostics.Activity? span, GatewayMetrics metrics)
    {
        if (placed.Order is not { } order)
        {
            // Orders refused the request (e.g. 422: the key was used for another checkout): pass its problem on.
            metrics.Checkout(CheckoutOutcome.Rejected, span);
            return placed.Problem is Microsoft.AspNetCore.Http.HttpValidationProblemDetails { Errors.Count: > 0 } validation
                ? TypedResults.ValidationProblem(validation.Errors, validation.Detail, title: validation.Title)
                : TypedResults.Problem(statusCode: placed.StatusCode, title: placed.Problem?.Title, detail: placed.Problem?.Detail);
        }

        span?.SetTag(TelemetryAttributes.OrderId, order.Id.ToString());
        if (placed.Replayed)
        {
            http.Response.Headers[OrdersClient.ReplayedHeader] = "true";
        }

        var view = OrderView.From(order, span?.TraceId.ToHexString());
        var location = $"/api/orders/{order.Id}";
        switch (order.Status)
        {
            case OrderView.Paid:
                metrics.Checkout(CheckoutOutcome.Paid, span);
                return TypedResults.Created(location, view);
            case OrderView.Pending:
                // Payments could not be reached; orders completes the payment later, charging once.
                metrics.Checkout(CheckoutOutcome.Pending, span);
                return TypedResults.Accepted(location, view);
            default:
                metrics.Checkout(CheckoutOutcome.PaymentFailed, span);
                http.Response.Headers.Location = location;
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status402PaymentRequired,
                    title: "Payment declined",
                    detail: order.FailureReason ?? "The payment was declined.",
                    // "status" is the HTTP status (RFC 9457); the order's own status is order.status.
                    extensions: new Dictionary<string, object?> { ["orderId"] = order.Id, ["order"] = view });
        }
    }

    private static async Task<Results<Ok<OrderView>, ValidationProblem, ProblemHttpResult>> Get(
        string id, OrdersClient orders, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var orderId))
        {
            return UsersApi.InvalidId();
        }

        return await orders.FindAsync(orderId, cancellationToken) is { } order
            ? TypedResults.Ok(OrderView.From(order))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Order not found", detail: $"There is no order {orderId}.");
    }
}
