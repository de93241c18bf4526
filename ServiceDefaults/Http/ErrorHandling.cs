using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Shop.ServiceDefaults.Telemetry;

namespace Shop.ServiceDefaults.Http;

/// <summary>Errors as RFC 9457 ProblemDetails that carry the trace id, and never a stack trace.</summary>
internal static class ErrorHandling
{
    public const string TraceIdExtension = "traceId";

    /// <summary>What a JSON syntax or type error in a body says, at its path.</summary>
    public const string MalformedJson = "has a value of the wrong type, or the JSON is malformed";

    public static IServiceCollection AddShopProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // RFC 9457: every problem has a type and a title; ASP.NET Core's defaults leave some codes (402, 413) without.
            var problem = context.ProblemDetails;
            if (problem.Status is { } status)
            {
                problem.Type ??= ProblemTypes.Of(status);
                problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
            }

            // The bare 32-hex trace id, as trace backends take it (the default is the whole traceparent-style id).
            var activity = context.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current;
            if (activity is not null)
            {
                problem.Extensions[TraceIdExtension] = activity.TraceId.ToHexString();
            }
        });

        // A request an endpoint cannot bind (malformed JSON, a wrong type, no body, a body that is not JSON, a body
        // over the route's limit) throws in every environment, not only in Development, so that one handler answers
        // it the same way everywhere: its 4xx as ProblemDetails, never the 500 an unhandled exception becomes.
        services.PostConfigure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

        // A key given twice is ambiguous (parsers disagree about which one wins): refused rather than guessed.
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.AllowDuplicateProperties = false);

        services.AddExceptionHandler<BadRequestProblemWriter>();
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

    /// <summary>Answers 415 to a JSON body that is not UTF-8 (see <see cref="IsJsonNotInUtf8"/>); after the traceresponse header, so the answer has it.</summary>
    public static void UseUtf8JsonOnly(this WebApplication app) =>
        app.Use(static async (context, next) =>
        {
            if (!IsJsonNotInUtf8(context.Request))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = StatusCodes.Status415UnsupportedMediaType, Detail = "A JSON body must be UTF-8 (RFC 8259): send charset=utf-8, or no charset." },
            });
        });

    /// <summary>
    /// RFC 8259: JSON between systems is UTF-8. A JSON body declared in another charset is a 415 before an endpoint
    /// reads it; ASP.NET Core's JSON reading would throw an InvalidOperationException (a 500) on a charset it does not know.
    /// </summary>
    private static bool IsJsonNotInUtf8(HttpRequest request) =>
        request.HasJsonContentType()
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
        && mediaType.Charset.Value is { Length: > 0 } charset
        && charset.Trim('"').ToUpperInvariant() is not ("UTF-8" or "UTF8");

    /// <summary>"$.lines[0].quantity" → "lines[0].quantity"; the whole body → "body".</summary>
    public static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "body" : jsonPath.TrimStart('$', '.');

    /// <summary>
    /// A request the server could not read is the client's mistake: it gets its own status (400, 413, 415...) as
    /// ProblemDetails, a JSON error named by its path, and the request's span stays unfailed (a 4xx is not a server
    /// error). Handled here, the exception handler logs no error and adds no error.type to the request metrics.
    /// </summary>
    private sealed class BadRequestProblemWriter(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
            {
                return false;
            }

            var status = bad.StatusCode;
            httpContext.Response.StatusCode = status;
            var problem = bad.InnerException is JsonException json
                ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [FieldOf(json.Path)] = [MalformedJson] }) { Status = status }
                : new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Detail = Describe(bad) };

            // A client whose Accept header rules out JSON gets the status alone: still its 4xx, never a 500.
            await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
            return true;
        }

        /// <summary>Our words, not the binder's: its messages name parameter types and echo route values.</summary>
        private static string Describe(BadHttpRequestException bad) => bad.StatusCode switch
        {
            // Kestrel's message states the limit: "Request body too large. The max request body size is N bytes."
            StatusCodes.Status413PayloadTooLarge => bad.Message,
            StatusCodes.Status415UnsupportedMediaType => "The body must be JSON (Content-Type: application/json).",
            _ => "The request could not be read: a required value or the JSON body is missing or malformed.",
        };
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

/// <summary>The RFC section that defines a status code, as the problem type of codes ASP.NET Core gives none.</summary>
internal static class ProblemTypes
{
    private static readonly Dictionary<int, string> Sections = new()
    {
        [StatusCodes.Status402PaymentRequired] = "https://tools.ietf.org/html/rfc9110#section-15.5.3",
        [StatusCodes.Status410Gone] = "https://tools.ietf.org/html/rfc9110#section-15.5.11",
        [StatusCodes.Status411LengthRequired] = "https://tools.ietf.org/html/rfc9110#section-15.5.12",
        [StatusCodes.Status413PayloadTooLarge] = "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        [StatusCodes.Status414UriTooLong] = "https://tools.ietf.org/html/rfc9110#section-15.5.15",
        [StatusCodes.Status429TooManyRequests] = "https://tools.ietf.org/html/rfc6585#section-4",
        [StatusCodes.Status431RequestHeaderFieldsTooLarge] = "https://tools.ietf.org/html/rfc6585#section-5",
    };

    /// <summary>The section's URL, else "about:blank" (RFC 9457: no semantics beyond the status code).</summary>
    public static string Of(int status) => Sections.TryGetValue(status, out var type) ? type : "about:blank";
}
