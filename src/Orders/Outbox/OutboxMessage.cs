using System.Text.Json;
using Shop.Orders.Ordering;

namespace Shop.Orders.Outbox;

/// <summary>
/// An event to publish, written in the same transaction as the state change it announces. It carries the checkout's
/// trace context so that its publication, later and in another trace, links back to the checkout.
/// </summary>
public sealed class OutboxMessage
{
    public const string OrderPaid = "OrderPaid";
    public const string OrderPaymentFailed = "OrderPaymentFailed";
    public const int MaxEventTypeLength = 64;

    /// <summary>Also the message id consumers deduplicate on (publication is at least once).</summary>
    public Guid Id { get; init; }

    public required string EventType { get; init; }

    public Guid OrderId { get; init; }

    /// <summary>JSON: identifiers, status and amounts; never personal data.</summary>
    public required string Payload { get; init; }

    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    public string? Baggage { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? PublishedAt { get; set; }

    public StoredTraceContext Context => new(TraceParent, TraceState, Baggage);

    /// <summary>The event announcing the final state <paramref name="order"/> has just reached.</summary>
    public static OutboxMessage For(Order order, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        var payload = new OrderEvent(order.Id, order.UserId, order.TenantId, order.Status.ToString(), order.Currency,
            order.TotalMinor, order.PaymentId, order.FailureReason, now);
        return new OutboxMessage
        {
            Id = Guid.CreateVersion7(),
            EventType = order.Status == OrderStatus.Paid ? OrderPaid : OrderPaymentFailed,
            OrderId = order.Id,
            Payload = JsonSerializer.Serialize(payload, JsonSerializerOptions.Web),
            TraceParent = order.CheckoutTraceParent,
            TraceState = order.CheckoutTraceState,
            Baggage = order.CheckoutBaggage,
            CreatedAt = now,
        };
    }

    private sealed record OrderEvent(
        Guid OrderId, Guid UserId, string? TenantId, string Status, string Currency, long TotalMinor,
        Guid? PaymentId, string? FailureReason, DateTimeOffset OccurredAt);
}
