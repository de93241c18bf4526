namespace Shop.Gateway;

/// <summary>Configuration section "Gateway".</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Deadline of one call to users (gRPC). Reads are retried on UNAVAILABLE within the request.</summary>
    public TimeSpan UsersTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Time one attempt to place or read an order may take. Placing includes orders' own retried
    /// payment charge, so it is longer than the users deadline.
    /// </summary>
    public TimeSpan OrdersTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Time a call to orders may take with all its attempts and the waits between them; at least <see cref="OrdersTimeout"/>.</summary>
    public TimeSpan OrdersTotalTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
