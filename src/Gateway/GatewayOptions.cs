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

    /// <summary>
    /// How long a checkout trusts that a user users confirmed still exists, without asking again (<c>Users/KnownUsers.cs</c>);
    /// zero asks users on every checkout.
    /// </summary>
    public TimeSpan KnownUserLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most user ids kept for <see cref="KnownUserLifetime"/> (a few hundred bytes each).</summary>
    public int KnownUsersLimit { get; set; } = 100_000;
}
