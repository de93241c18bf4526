using Grpc.Core;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Shop.Contracts.Payments.V1;
using Shop.Conventions;
using Shop.Orders.Ordering;

namespace Shop.Orders.Payments;

/// <summary>
/// Charges an order with the order id as idempotency key, so that any number of attempts, from the checkout or the
/// reconciler, charge at most once. Each attempt has its own deadline; only UNAVAILABLE and DEADLINE_EXCEEDED are
/// retried, with exponential backoff and jitter. A decline is an answer, never retried.
/// </summary>
internal sealed partial class PaymentCharger(PaymentsService.PaymentsServiceClient client, IOptions<OrdersOptions> options, ILogger<PaymentCharger> logger)
{
    private readonly OrdersOptions.PaymentCallOptions _options = options.Value.Payments;

    // Polly around the call, not Microsoft.Extensions.Http.Resilience (it cannot see gRPC statuses, sent in trailers) nor
    // Grpc.Net.Client's retry policy (one deadline for all attempts, so a hung attempt is never retried).
    private readonly ResiliencePipeline _pipeline = CreatePipeline(options.Value.Payments.MaxAttempts, options.Value.Payments.RetryDelay, (attempt, status, delay) =>
    {
        // The failed attempt is its own client span; the event says, on the span that waits, that another one follows.
        Activity.Current?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection
        {
            [TelemetryAttributes.RpcResponseStatusCode] = RpcStatusCodes.Name((int)status),
            ["retry.attempt"] = attempt,
        }));
        LogRetry(logger, status, attempt, delay.TotalMilliseconds);
    });

    /// <summary>The charge's answer; an RpcException when payments could not be reached in the attempts allowed, or refused the call.</summary>
    public Task<ChargeResponse> ChargeAsync(Order order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var request = new ChargeRequest
        {
            IdempotencyKey = order.Id.ToString(),
            OrderId = order.Id.ToString(),
            UserId = order.UserId.ToString(),
            Amount = new Money { AmountMinor = order.TotalMinor, Currency = order.Currency },
        };
        return _pipeline.ExecuteAsync(
            async token => await client.ChargeAsync(request, deadline: DateTime.UtcNow + _options.AttemptTimeout, cancellationToken: token),
            cancellationToken).AsTask();
    }

    /// <summary>True for the codes a retry can fix: the call did not get through, or not in time.</summary>
    public static bool IsTransient(StatusCode code) => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded;

    /// <summary>Retries transient failures up to <paramref name="maxAttempts"/> attempts in all; one attempt is no retry strategy at all (Polly's needs at least one retry).</summary>
    internal static ResiliencePipeline CreatePipeline(int maxAttempts, TimeSpan retryDelay, Action<int, StatusCode, TimeSpan>? onRetry = null) => maxAttempts <= 1
        ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => IsTransient(e.StatusCode)),
                MaxRetryAttempts = maxAttempts - 1,
                Delay = retryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = arguments =>
                {
                    if (arguments.Outcome.Exception is RpcException e)
                    {
                        // AttemptNumber counts from 0: after the first attempt failed, the second follows.
                        onRetry?.Invoke(arguments.AttemptNumber + 2, e.StatusCode, arguments.RetryDelay);
                    }

                    return default;
                },
            })
            .Build();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Charge failed with {StatusCode}; attempt {Attempt} follows in {DelayMs:0} ms")]
    private static partial void LogRetry(ILogger logger, StatusCode statusCode, int attempt, double delayMs);
}
