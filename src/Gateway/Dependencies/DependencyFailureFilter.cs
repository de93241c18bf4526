using Grpc.Core;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Shop.ServiceDefaults.Telemetry;

namespace Shop.Gateway.Dependencies;

/// <summary>
/// Turns a dependency that is down, too slow, or broken into a ProblemDetails answer instead of an
/// exception: 503 when it cannot be reached (or its circuit is open), 504 when it timed out, 502
/// when it answered with an error the gateway cannot translate. The failure stays on the span.
/// </summary>
internal sealed partial class DependencyFailureFilter(ILogger<DependencyFailureFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (DependencyException exception)
        {
            var (status, title, detail) = Describe(exception);
            ExceptionTelemetry.Record(context.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity, exception.InnerException ?? exception);
            LogDependencyFailure(logger, exception.Dependency, status, exception.InnerException?.GetType().Name ?? "");
            return TypedResults.Problem(
                statusCode: status,
                title: title,
                detail: detail,
                extensions: new Dictionary<string, object?> { ["dependency"] = exception.Dependency });
        }
    }

    internal static (int Status, string Title, string Detail) Describe(DependencyException exception)
    {
        var name = exception.Dependency;
        const string retry = "Try again; repeating a checkout with the same Idempotency-Key is safe.";
        return exception.InnerException switch
        {
            BrokenCircuitException => (StatusCodes.Status503ServiceUnavailable, $"The {name} service is unavailable",
                $"Calls to {name} kept failing, so the gateway pauses them for a few seconds. {retry}"),
            RpcException { StatusCode: StatusCode.DeadlineExceeded } or TimeoutRejectedException =>
                (StatusCodes.Status504GatewayTimeout, $"The {name} service did not answer in time", retry),
            // Also the resilience handler's concurrency limit (RateLimiterRejectedException): the gateway sheds the call.
            RpcException { StatusCode: StatusCode.Unavailable } or HttpRequestException or TransientHttpStatusException or ExecutionRejectedException =>
                (StatusCodes.Status503ServiceUnavailable, $"The {name} service is unavailable", retry),
            RpcException rpc => (StatusCodes.Status502BadGateway, $"The {name} service failed", $"{name} answered {rpc.StatusCode}."),
            _ => (StatusCodes.Status502BadGateway, $"The {name} service failed", $"{name} gave an answer the gateway does not understand."),
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dependency {Dependency} failed: answering {Status} ({Failure})")]
    private static partial void LogDependencyFailure(ILogger logger, string dependency, int status, string failure);
}

/// <summary>A dependency call that failed for a reason that is not a business answer: down, slow, or broken.</summary>
public sealed class DependencyException(string dependency, Exception inner)
    : Exception($"Call to {dependency} failed: {inner.Message}", inner)
{
    public string Dependency { get; } = dependency;
}

/// <summary>A 502, 503 or 504 from a dependency that its retries did not get past.</summary>
public sealed class TransientHttpStatusException(string dependency, int status)
    : Exception($"{dependency} answered {status}.")
{
    public int Status { get; } = status;
}
