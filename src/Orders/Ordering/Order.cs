namespace Shop.Orders.Ordering;

/// <summary>An order: created Pending, then Paid or PaymentFailed once, and never changed after that.</summary>
public sealed class Order
{
    public const int MaxIdempotencyKeyLength = 200;
    public const int MaxTenantIdLength = 64;
    public const int MaxFailureReasonLength = 200;

    /// <summary>A new Pending order; <paramref name="checkout"/> is the context of the request that places it.</summary>
    public static Order Place(
        Guid userId, string? tenantId, string idempotencyKey, string requestHash, string currency,
        IEnumerable<OrderLine> lines, long totalMinor, StoredTraceContext checkout, DateTimeOffset now, Guid? id = null)
    {
        ArgumentNullException.ThrowIfNull(checkout);
        return new Order
        {
            Id = id ?? Guid.CreateVersion7(),
            UserId = userId,
            TenantId = tenantId,
            IdempotencyKey = idempotencyKey,
            RequestHash = requestHash,
            Status = OrderStatus.Pending,
            Currency = currency,
            TotalMinor = totalMinor,
            Lines = [.. lines],
            CheckoutTraceParent = checkout.TraceParent,
            CheckoutTraceState = checkout.TraceState,
            CheckoutBaggage = checkout.Baggage,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public Guid Id { get; init; }

    public Guid UserId { get; init; }

    /// <summary>From the checkout's baggage tenant.id; null without one.</summary>
    public string? TenantId { get; init; }

    /// <summary>Unique per user: the same key returns this order again.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>SHA-256 of the normalized request, to tell a repeat from another request under the same key.</summary>
    public required string RequestHash { get; init; }

    /// <summary>Also the concurrency token: a state change saves only if the row is still in the state it was read in.</summary>
    public OrderStatus Status { get; private set; }

    public required string Currency { get; init; }

    public long TotalMinor { get; init; }

    public List<OrderLine> Lines { get; init; } = [];

    public Guid? PaymentId { get; private set; }

    public string? FailureReason { get; private set; }

    // The checkout's W3C trace context and baggage, for the spans of work done later on this order.
    public string? CheckoutTraceParent { get; init; }

    public string? CheckoutTraceState { get; init; }

    public string? CheckoutBaggage { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public void MarkPaid(Guid paymentId, DateTimeOffset now)
    {
        EnsurePending(OrderStatus.Paid);
        Status = OrderStatus.Paid;
        PaymentId = paymentId;
        UpdatedAt = now;
    }

    public void MarkPaymentFailed(Guid? paymentId, string reason, DateTimeOffset now)
    {
        EnsurePending(OrderStatus.PaymentFailed);
        Status = OrderStatus.PaymentFailed;
        PaymentId = paymentId;
        FailureReason = reason.Length > MaxFailureReasonLength ? reason[..MaxFailureReasonLength] : reason;
        UpdatedAt = now;
    }

    private void EnsurePending(OrderStatus next)
    {
        if (Status != OrderStatus.Pending)
        {
            throw new InvalidOperationException($"Order {Id} is {Status}; only a Pending order can become {next}.");
        }
    }
}

public enum OrderStatus
{
    Pending,
    Paid,
    PaymentFailed,
}

/// <summary>One line of an order; the server computes its total.</summary>
public sealed class OrderLine
{
    public const int MaxSkuLength = 64;

    public Guid OrderId { get; init; }

    /// <summary>1-based position in the order, as the caller sent the lines.</summary>
    public int LineNumber { get; init; }

    public required string Sku { get; init; }

    public int Quantity { get; init; }

    public long UnitPriceMinor { get; init; }

    public long LineTotalMinor { get; init; }
}
