using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Shop.ServiceDefaults.Telemetry;

namespace Shop.ServiceDefaults.Http;

/// <summary>Errors as RFC 9457 ProblemDetails that carry the trace id, and never a stack trace.</summary>
internal static class ErrorHandling
{
    public const string TraceIdExtension = "traceId";

    public static IServiceCollection AddShopProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // The bare 32-hex trace id, as trace backends take it (the default is the whole traceparent-style id).
            var activity = context.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current;
            if (activity is not null)
            {
                context.ProblemDetails.Extensions[TraceIdExtension] = activity.TraceId.ToHexString();
            }
        });
        services.AddExceptionHandler<ExceptionSpanRecorder>();
        return services;
    }

    public static void UseShopErrorHandling(this WebApplication app)
    {
        // The exception handler answers 500 ProblemDetails (no exception text, in every environment);
        // status code pages turn bodiless 4xx/5xx answers into ProblemDetails too.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
    }

    /// <summary>Records the exception on the request's span, then lets the ProblemDetails writer answer.</summary>
    private sealed class ExceptionSpanRecorder : IExceptionHandler
    {
        public ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            ExceptionTelemetry.Record(httpContext.Features.Get<IHttpActivityFeature>()?.Activity, exception);
            return ValueTask.FromResult(false);
        }
    }
}
