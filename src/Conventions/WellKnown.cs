namespace Shop.Conventions;

/// <summary>Endpoint paths every service exposes; none of them produces spans.</summary>
public static class HealthPaths
{
    /// <summary>Readiness: the service and what it needs (its database) are usable.</summary>
    public const string Ready = "/health";

    /// <summary>Liveness: the process answers.</summary>
    public const string Alive = "/alive";

    /// <summary>Prometheus scrape endpoint.</summary>
    public const string Metrics = "/metrics";

    /// <summary>True for paths that must never produce a span.</summary>
    public static bool IsUntraced(string? path) =>
        string.Equals(path, Ready, StringComparison.OrdinalIgnoreCase)
        || string.Equals(path, Alive, StringComparison.OrdinalIgnoreCase)
        || string.Equals(path, Metrics, StringComparison.OrdinalIgnoreCase);
}

/// <summary>HTTP header names with a meaning across the suite.</summary>
public static class ShopHeaders
{
    /// <summary>W3C Trace Context Level 2 response header: <c>00-{trace-id}-{span-id}-{flags}</c>.</summary>
    public const string TraceResponse = "traceresponse";
    public const string IdempotencyKey = "Idempotency-Key";

    /// <summary>Set to "true" on an answer that repeats the result of an earlier request with the same Idempotency-Key.</summary>
    public const string IdempotencyReplayed = "Idempotency-Replayed";
    public const string TenantId = "X-Tenant-Id";
}
