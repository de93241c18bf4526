namespace Shop.Payments.Faults;

/// <summary>
/// Faults injected into Charge, for the workshop and the benchmarks: configuration section Payments:Faults at startup,
/// GET/PUT /admin/faults at run time. With probability LatencyRate (default 1) a call is delayed by LatencyMs plus a uniform
/// 0..LatencyJitterMs; then, drawn independently, it fails UNAVAILABLE "injected fault" with probability FailureRate (as
/// Envoy's fault filter has separate delay and abort percentages). With Tenant set, only calls whose baggage tenant.id equals it.
/// </summary>
public sealed record FaultSettings
{
    public const string Section = "Payments:Faults";
    public const int MaxLatencyMs = 60_000;
    public const int MaxTenantLength = 64;

    public double FailureRate { get; init; }

    public int LatencyMs { get; init; }

    public int LatencyJitterMs { get; init; }

    /// <summary>Fraction (0..1) of calls that get the latency; 1 (the default) delays every call.</summary>
    public double LatencyRate { get; init; } = 1;

    public string? Tenant { get; init; }

    /// <summary>The field errors, keyed by JSON field name; empty when the settings are usable.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (double.IsNaN(FailureRate) || FailureRate is < 0 or > 1)
        {
            errors["failureRate"] = ["must be between 0 and 1"];
        }

        if (LatencyMs is < 0 or > MaxLatencyMs)
        {
            errors["latencyMs"] = [$"must be between 0 and {MaxLatencyMs}"];
        }

        if (LatencyJitterMs is < 0 or > MaxLatencyMs)
        {
            errors["latencyJitterMs"] = [$"must be between 0 and {MaxLatencyMs}"];
        }

        if (double.IsNaN(LatencyRate) || LatencyRate is < 0 or > 1)
        {
            errors["latencyRate"] = ["must be between 0 and 1"];
        }

        if (Tenant is not null && (Tenant.Length is 0 or > MaxTenantLength || Tenant.Any(c => c is < ' ' or > '~')))
        {
            errors["tenant"] = [$"must be null or 1 to {MaxTenantLength} printable ASCII characters"];
        }

        return errors;
    }
}
