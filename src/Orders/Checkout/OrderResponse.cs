using Shop.Orders.Ordering;

namespace Shop.Orders.Checkout;

/// <summary>An order as POST and GET /orders answer it.</summary>
public sealed record OrderResponse(
    Guid Id,
    Guid UserId,
    string? TenantId,
    string Status,
    string Currency,
    long TotalMinor,
    IReadOnlyList<OrderLineResponse> Lines,
    Guid? PaymentId,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static OrderResponse From(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new(order.Id, order.UserId, order.TenantId, order.Status.ToString(), order.Currency, order.TotalMinor,
            [.. order.Lines.OrderBy(l => l.LineNumber).Select(l => new OrderLineResponse(l.Sku, l.Quantity, l.UnitPriceMinor, l.LineTotalMinor))],
            order.PaymentId, order.FailureReason, order.CreatedAt, order.UpdatedAt);
    }
}

public sealed record OrderLineResponse(string Sku, int Quantity, long UnitPriceMinor, long LineTotalMinor);
