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

/// <summary>gRPC status codes as the semantic conventions write them in <c>rpc.response.status_code</c>.</summary>
public static class RpcStatusCodes
{
    public const string GrpcSystem = "grpc";

    /// <summary>rpc.method for a method the server does not serve: the path is caller input, so it never becomes a label.</summary>
    public const string OtherMethod = "_OTHER";

    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>The codes that are the server's fault (semconv gRPC server spans); the others are the caller's.</summary>
    public static readonly IReadOnlySet<string> ServerErrors =
        new HashSet<string>(["UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"], StringComparer.Ordinal);

    /// <summary>
    /// Whether an answer with <paramref name="code"/> to a call of <paramref name="method"/> (rpc.method) is the server's
    /// fault: a code of <see cref="ServerErrors"/> for a method the server serves. UNIMPLEMENTED for a method it does not
    /// serve (<see cref="OtherMethod"/>) is the caller's mistake: the SLO rules, the dashboard's error rates and the
    /// root-cause analysis all read it so.
    /// </summary>
    public static bool IsServerFault(string? code, string? method) =>
        method != OtherMethod && code is not null && ServerErrors.Contains(code);

    /// <summary>The name of code <paramref name="code"/> (0 to 16); a code outside the 17 reads as UNKNOWN, as gRPC reads it.</summary>
    public static string Name(int code) => code >= 0 && code < Names.Length ? Names[code] : "UNKNOWN";
}
