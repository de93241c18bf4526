using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Shop.Conventions;

namespace Shop.ServiceDefaults.Http;

/// <summary>
/// W3C Trace Context Level 2 <c>traceresponse</c> header on every response, so whoever made a
/// request can find its trace: <c>00-{trace-id}-{server span id}-{flags}</c>.
/// </summary>
internal static class TraceResponse
{
    public static void UseTraceResponseHeader(this WebApplication app) =>
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                if (http.Features.Get<IHttpActivityFeature>()?.Activity is { IdFormat: ActivityIdFormat.W3C } activity)
                {
                    http.Response.Headers[ShopHeaders.TraceResponse] = Format(activity);
                }

                return Task.CompletedTask;
            }, context);
            return next(context);
        });

    internal static string Format(Activity activity) =>
        $"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-{(activity.Recorded ? "01" : "00")}";
}
