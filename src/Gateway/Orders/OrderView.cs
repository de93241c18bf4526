using Shop.Contracts;

namespace Shop.Gateway.Orders;

/// <summary>An order as the public API shows it: amounts in major units of its currency.</summary>
public sealed record OrderView(
    Guid Id,
    Guid UserId,
    string Status,
    string Currency,
    decimal Total,
    IReadOnlyList<OrderLineView> Lines,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? TraceId = null)
{
    public const string Paid = "Paid";
    public const string PaymentFailed = "PaymentFailed";
    public const string Pending = "Pending";

    public static OrderView From(OrderDto order, string? traceId = null) => new(
        order.Id,
        order.UserId,
        order.Status,
        order.Currency,
        Currencies.FromMinorUnits(order.TotalMinor, order.Currency),
        [.. order.Lines.Select(line => new OrderLineView(
            line.Sku,
            line.Quantity,
            Currencies.FromMinorUnits(line.UnitPriceMinor, order.Currency),
            Currencies.FromMinorUnits(line.LineTotalMinor, order.Currency)))],
        order.FailureReason,
        order.CreatedAt,
        order.UpdatedAt,
        traceId);
}

public sealed record OrderLineView(string Sku, int Quantity, decimal UnitPrice, decimal LineTotal);
