namespace Shop.Payments.Charging;

/// <summary>One charge, stored once per idempotency key.</summary>
public sealed class Payment
{
    public const int MaxIdempotencyKeyLength = 200;
    public const int MaxDeclineReasonLength = 200;

    public Guid Id { get; init; }

    public required string IdempotencyKey { get; init; }

    public Guid OrderId { get; init; }

    public Guid? UserId { get; init; }

    public long AmountMinor { get; init; }

    public required string Currency { get; init; }

    public PaymentStatus Status { get; init; }

    public string? DeclineReason { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A decline is a result of the charge, not an error.</summary>
public enum PaymentStatus
{
    Approved,
    Declined,
}
