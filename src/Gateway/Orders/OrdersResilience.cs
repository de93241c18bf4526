using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Shop.Gateway.Orders;

/// <summary>
/// The standard resilience handler of Microsoft.Extensions.Http.Resilience, tuned for the orders service: a total
/// timeout around retries (with jitter) around a circuit breaker around a timeout per attempt. What it retries is the
/// handler's own rule: connection failures, attempt timeouts, 408, 429 and 5xx. Every call to orders may be retried:
/// GETs are reads, and POST /orders carries the client's Idempotency-Key, so orders answers a repeated attempt with
/// the order the first one stored, charged once.
/// </summary>
internal static class OrdersResilience
{
    public static void Configure(HttpStandardResilienceOptions resilience, GatewayOptions gateway)
    {
        resilience.AttemptTimeout.Timeout = gateway.OrdersTimeout;
        resilience.TotalRequestTimeout.Timeout = gateway.OrdersTotalTimeout;

        resilience.Retry.MaxRetryAttempts = 2;
        resilience.Retry.BackoffType = DelayBackoffType.Exponential;
        resilience.Retry.Delay = TimeSpan.FromMilliseconds(100);
        resilience.Retry.UseJitter = true;

        // Open after half of at least 10 calls failed, for 5 s. The handler requires a sampling window of at least
        // two attempt timeouts, so a long attempt timeout widens it.
        resilience.CircuitBreaker.FailureRatio = 0.5;
        resilience.CircuitBreaker.MinimumThroughput = 10;
        resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(10).Ticks, 2 * gateway.OrdersTimeout.Ticks));
        resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
    }
}
