namespace Shop.Orders;

/// <summary>Configuration section Orders: how payments are called, and how often the workers run.</summary>
public sealed class OrdersOptions
{
    public const string Section = "Orders";

    public PaymentCallOptions Payments { get; set; } = new();

    public ReconcilerOptions Reconciler { get; set; } = new();

    public OutboxOptions Outbox { get; set; } = new();

    public sealed class PaymentCallOptions
    {
        /// <summary>Deadline of each Charge attempt.</summary>
        public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>Attempts per charge, the first included; only UNAVAILABLE and DEADLINE_EXCEEDED are retried.</summary>
        public int MaxAttempts { get; set; } = 3;

        /// <summary>Delay before the first retry; it doubles for each further one, with jitter.</summary>
        public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
    }

    public sealed class ReconcilerOptions
    {
        public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>A Pending order is charged again once it is this old: longer than a checkout with all its retries takes.</summary>
        public TimeSpan MinAge { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>A Pending order this old becomes PaymentFailed "payment service unavailable".</summary>
        public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

        public int BatchSize { get; set; } = 20;
    }

    public sealed class OutboxOptions
    {
        public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

        public int BatchSize { get; set; } = 20;
    }
}
