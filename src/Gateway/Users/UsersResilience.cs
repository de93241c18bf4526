using Grpc.Core;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Shop.Gateway.Users;

/// <summary>
/// The Polly pipeline of calls to users: retry UNAVAILABLE and DEADLINE_EXCEEDED, idempotent calls only, then a circuit
/// breaker. Hand-written rather than Microsoft.Extensions.Http.Resilience's handler: gRPC reports its status in the
/// trailers of an HTTP 200, out of sight of an HTTP handler, which would also retry the non-idempotent CreateUser after
/// a connection failure. Grpc.Net.Client's own retry policy has no deadline per attempt and no circuit breaker.
/// </summary>
internal static class UsersResilience
{
    private static readonly ResiliencePropertyKey<bool> IdempotentKey = new("shop.idempotent");

    /// <summary>Builds the pipeline registered under <see cref="UsersClient.ServiceName"/> (Polly.Extensions adds its telemetry).</summary>
    public static void Configure(ResiliencePipelineBuilder pipeline) => pipeline
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } e && IsTransient(e) && args.Context.Properties.GetValue(IdempotentKey, false)),
            MaxRetryAttempts = 2,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(100),
            UseJitter = true,
        })
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)),
            FailureRatio = 0.5,
            MinimumThroughput = 10,
            SamplingDuration = TimeSpan.FromSeconds(10),
            BreakDuration = TimeSpan.FromSeconds(5),
        });

    /// <summary>Runs <paramref name="call"/> through <paramref name="pipeline"/>; only idempotent calls are retried.</summary>
    public static async Task<T> Run<T>(ResiliencePipeline pipeline, bool idempotent, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(IdempotentKey, idempotent);
        try
        {
            return await pipeline.ExecuteAsync(static (context, call) => call(context.CancellationToken), context, call);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>True for the codes a retry can fix: the call did not get through, or not in time.</summary>
    internal static bool IsTransient(Exception exception) =>
        exception is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded };
}
