using Grpc.Core;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Shop.Gateway.Orders;
using Shop.Gateway.Users;

namespace Shop.Gateway.Dependencies;

/// <summary>
/// One resilience pipeline per dependency: retry transient failures (reads, and writes that are
/// idempotent), then a circuit breaker that stops calling a dependency that keeps failing, then a
/// per-attempt timeout. Failures that are not transient (a decline, a validation error, NOT_FOUND)
/// pass straight through: retrying them would change nothing.
/// </summary>
public sealed class DependencyPipelines
{
    private static readonly ResiliencePropertyKey<bool> IdempotentKey = new("shop.idempotent");

    public DependencyPipelines(IOptions<GatewayOptions> options)
    {
        Users = Build(UsersClient.ServiceName, IsTransientRpc, attemptTimeout: null);
        Orders = Build(OrdersClient.ServiceName, IsTransientHttp, options.Value.OrdersTimeout);
    }

    public ResiliencePipeline Users { get; }

    public ResiliencePipeline Orders { get; }

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

    internal static bool IsTransientRpc(Exception exception) =>
        exception is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded };

    internal static bool IsTransientHttp(Exception exception) =>
        exception is HttpRequestException or TimeoutRejectedException or TransientHttpStatusException;

    private static ResiliencePipeline Build(string name, Func<Exception, bool> isTransient, TimeSpan? attemptTimeout)
    {
        var builder = new ResiliencePipelineBuilder { Name = name }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && isTransient(e) && args.Context.Properties.GetValue(IdempotentKey, false)),
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(100),
                UseJitter = true,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && isTransient(e)),
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = TimeSpan.FromSeconds(5),
            });
        if (attemptTimeout is { } timeout)
        {
            builder.AddTimeout(timeout);
        }

        return builder.Build();
    }
}

/// <summary>A 502, 503 or 504 from a dependency: worth another attempt.</summary>
public sealed class TransientHttpStatusException(string dependency, int status)
    : Exception($"{dependency} answered {status}.")
{
    public int Status { get; } = status;
}
