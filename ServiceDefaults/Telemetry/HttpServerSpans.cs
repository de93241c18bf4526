using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Shop.Conventions;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>Puts the HTTP server span middleware in front of everything else in the pipeline.</summary>
internal sealed class HttpServerSpanStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<HttpServerSpanMiddleware>();
        next(app);
    };
}

/// <summary>
/// ASP.NET Core 10 starts a server activity for each request but sets no semantic-convention tags
/// on it. This middleware, outermost in the pipeline, names it <c>{method} {route}</c> and adds the
/// HTTP attributes once the response status is final. Health and metrics requests are not recorded.
/// gRPC requests are named by Grpc/GrpcServerTelemetry (they carry rpc.system.name), so only their HTTP attributes are added here.
/// </summary>
internal sealed class HttpServerSpanMiddleware(RequestDelegate next)
{
    private static readonly HashSet<string> KnownMethods =
        new(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"], StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context)
    {
        var activity = context.Features.Get<IHttpActivityFeature>()?.Activity;
        if (activity is null)
        {
            await next(context);
            return;
        }

        if (HealthPaths.IsUntraced(context.Request.Path.Value))
        {
            // Unrecorded, so neither this span nor any child of it (a database check) is exported.
            activity.IsAllDataRequested = false;
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            await next(context);
            return;
        }

        if (!activity.IsAllDataRequested)
        {
            await next(context);
            return;
        }

        var request = context.Request;
        var method = KnownMethods.Contains(request.Method) ? request.Method : "_OTHER";
        activity.SetTag(TelemetryAttributes.HttpRequestMethod, method);
        activity.SetTag(TelemetryAttributes.UrlPath, request.Path.Value);
        activity.SetTag(TelemetryAttributes.UrlScheme, request.Scheme);
        activity.SetTag(TelemetryAttributes.ServerAddress, request.Host.Host);
        if (request.Host.Port is { } port)
        {
            activity.SetTag(TelemetryAttributes.ServerPort, port);
        }

        activity.SetTag(TelemetryAttributes.NetworkProtocolVersion, ProtocolVersion(request.Protocol));

        Exception? unhandled = null;
        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            unhandled = exception;
            throw;
        }
        finally
        {
            Complete(activity, context, method, unhandled);
        }
    }

    private static void Complete(Activity activity, HttpContext context, string method, Exception? unhandled)
    {
        var route = Route(context);
        if (route is not null)
        {
            activity.SetTag(TelemetryAttributes.HttpRoute, route);
        }

        // An exception that escapes the pipeline before the response started becomes a 500 from
        // Kestrel after this middleware returns: report what the client gets, not the 200 still set here.
        var status = unhandled is not null && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
        activity.SetTag(TelemetryAttributes.HttpResponseStatusCode, status);

        if (unhandled is not null)
        {
            ExceptionTelemetry.Record(activity, unhandled);
        }

        if (activity.GetTagItem(TelemetryAttributes.RpcSystemName) is not null)
        {
            return;
        }

        activity.DisplayName = route is null ? (method == "_OTHER" ? "HTTP" : method) : $"{method} {route}";
        // A status an exception set already keeps its description (the exception type).
        if (status >= StatusCodes.Status500InternalServerError && activity.Status != ActivityStatusCode.Error)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            if (activity.GetTagItem(TelemetryAttributes.ErrorType) is null)
            {
                activity.SetTag(TelemetryAttributes.ErrorType, status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>The matched route template, written as ASP.NET Core's own metrics write http.route.</summary>
    internal static string? Route(HttpContext context)
    {
        // The exception handler clears the endpoint before it re-executes; it keeps the original in its feature.
        var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
        var raw = (endpoint as RouteEndpoint)?.RoutePattern.RawText;
        if (raw is null)
        {
            return null;
        }

        return raw.StartsWith('/') ? raw : "/" + raw;
    }

    private static string ProtocolVersion(string protocol) => protocol switch
    {
        "HTTP/1.1" => "1.1",
        "HTTP/2" => "2",
        "HTTP/3" => "3",
        "HTTP/1.0" => "1.0",
        _ => protocol,
    };
}

/// <summary>Marks a span as failed by an exception: an exception event, error.type and Error status.</summary>
public static class ExceptionTelemetry
{
    /// <summary>Records <paramref name="exception"/> on <paramref name="activity"/> once, the way the semantic conventions describe.</summary>
    public static void Record(Activity? activity, Exception exception)
    {
        if (activity is null || !activity.IsAllDataRequested || activity.GetTagItem(TelemetryAttributes.ErrorType) is not null)
        {
            return;
        }

        activity.AddException(exception);
        activity.SetTag(TelemetryAttributes.ErrorType, exception.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
    }
}
