namespace Shop.Conventions;

/// <summary>Metric instrument names and the histogram boundaries the SLOs rely on.</summary>
public static class TelemetryMetrics
{
    // Semantic-convention instruments (seconds)
    public const string HttpServerRequestDuration = "http.server.request.duration";
    public const string HttpClientRequestDuration = "http.client.request.duration";
    public const string RpcServerCallDuration = "rpc.server.call.duration";
    public const string RpcClientCallDuration = "rpc.client.call.duration";

    /// <summary>
    /// Instruments ServiceDefaults drops unless configured otherwise (ServiceDefaults:Metrics:Drop): recorded on every
    /// request, connection use or buffer rented, and read by no dashboard, SLO rule or alert of the suite. Dropped
    /// instruments are not listened to at all, so they cost nothing per request.
    /// </summary>
    public static readonly IReadOnlyList<string> DroppedByDefault =
    [
        // ASP.NET Core: per request, and per buffer rented from and returned to Kestrel's memory pool.
        "aspnetcore.routing.match_attempts",
        "aspnetcore.memory_pool.rented",
        "aspnetcore.memory_pool.pooled",
        "aspnetcore.memory_pool.allocated",
        "aspnetcore.memory_pool.evicted",
        // HttpClient's connection pool: twice per request each (http.client.request.duration stays).
        "http.client.active_requests",
        "http.client.open_connections",
        "http.client.request.time_in_queue",
    ];

    // The suite's business instruments (each on its service's Meter, TelemetrySources.ForService)
    /// <summary>Counter, unit {checkout}: checkouts answered by the gateway, by checkout.outcome (gateway).</summary>
    public const string Checkouts = "shop.checkouts";

    /// <summary>Counter, unit {user}: users created (users).</summary>
    public const string UsersCreated = "shop.users.created";

    /// <summary>Counter, unit {payment}: charges decided, by payment.outcome (payments); replays are not counted again.</summary>
    public const string Payments = "shop.payments";

    /// <summary>Counter, unit {order}: orders created, by the order.status the checkout left them in (orders).</summary>
    public const string Orders = "shop.orders";

    /// <summary>Counter, unit {order}: pending orders the reconciler brought to a final order.status (orders).</summary>
    public const string OrdersReconciled = "shop.orders.reconciled";

    /// <summary>Histogram, in major units of the order's currency (12.50 EUR is 12.5), by currency (orders).</summary>
    public const string OrderValue = "shop.order.value";

    /// <summary>Buckets of <see cref="OrderValue"/>, in major currency units.</summary>
    public static readonly double[] OrderValueBuckets =
        [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000];

    /// <summary>
    /// Latency buckets in seconds for every duration histogram. The semantic-convention defaults,
    /// which include the SLO thresholds 0.1, 0.25, 0.5 and 1 s.
    /// </summary>
    public static readonly double[] DurationBucketsSeconds =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
}
