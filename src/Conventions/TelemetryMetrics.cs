namespace Shop.Conventions;

/// <summary>Metric instrument names and the histogram boundaries the SLOs rely on.</summary>
public static class TelemetryMetrics
{
    // Semantic-convention instruments (seconds)
    public const string HttpServerRequestDuration = "http.server.request.duration";
    public const string HttpClientRequestDuration = "http.client.request.duration";
    public const string RpcServerCallDuration = "rpc.server.call.duration";
    public const string RpcClientCallDuration = "rpc.client.call.duration";

    // The suite's business metrics
    /// <summary>Checkouts answered by the gateway (counter, attribute checkout.outcome).</summary>
    public const string Checkouts = "shop.checkouts";

    /// <summary>
    /// Latency buckets in seconds for every duration histogram. The semantic-convention defaults,
    /// which include the SLO thresholds 0.1, 0.25, 0.5 and 1 s.
    /// </summary>
    public static readonly double[] DurationBucketsSeconds =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
}
