using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Shop.Conventions;
using Grpc.Core;

namespace Shop.ServiceDefaults.Grpc;

/// <summary>
/// What no package does for a gRPC server: Grpc.AspNetCore starts no span and records no RPC metric, and the
/// ASP.NET Core instrumentation's gRPC support is experimental, older RPC conventions, and marks every non-OK
/// call as failed. This middleware turns the ASP.NET Core server span into the RPC server span with the same
/// attributes as the client span of OpenTelemetry.Instrumentation.GrpcNetClient (semconv rpc.*: named
/// <c>{package.Service}/{Method}</c>, Error only for the codes that point at the server) and records
/// <c>rpc.server.call.duration</c>, which the gRPC availability SLOs read. A request whose message could not be
/// read (a broken frame, bytes that are not the protobuf message) is the caller's mistake: INVALID_ARGUMENT, where
/// Grpc.AspNetCore answers UNKNOWN or INTERNAL, codes that would count against the server's SLO.
/// </summary>
internal sealed class GrpcServerTelemetry(RequestDelegate next)
{
    internal const string UnreadableRequestMessage = "The request message could not be read.";

    private static readonly Meter Meter = new(TelemetrySources.Grpc);

    private static readonly object RequestReadKey = new();

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        TelemetryMetrics.RpcServerCallDuration, unit: "s", description: "Duration of incoming gRPC calls.", tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TelemetryMetrics.DurationBucketsSeconds });

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsGrpc(context.Request.ContentType))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var activity = context.Features.Get<IHttpActivityFeature>()?.Activity;
        var served = Served(context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method);
        var method = served is null ? RpcStatusCodes.OtherMethod : served.FullName.TrimStart('/');
        if (activity is { IsAllDataRequested: true })
        {
            // The instrumentation renames the span when the request ends; KeepRpcSpanName puts this name back.
            activity.DisplayName = served is null ? RpcStatusCodes.GrpcSystem : method;
            activity.SetTag(TelemetryAttributes.RpcSystemName, RpcStatusCodes.GrpcSystem);
            activity.SetTag(TelemetryAttributes.RpcMethod, method);
        }

        try
        {
            await next(context);
        }
        finally
        {
            // A caller that went away gets no answer; Grpc.AspNetCore still writes UNKNOWN for it, which is not a server fault.
            var status = StatusOf(context);
            if (served is not null && status is (int)StatusCode.Unknown or (int)StatusCode.Internal
                && !context.Items.ContainsKey(RequestReadKey) && !context.RequestAborted.IsCancellationRequested)
            {
                // The call ended before the interceptors saw a request (ExceptionStatusInterceptor marks it): the
                // request itself could not be read. Grpc.AspNetCore has not sent the status yet, so it can be corrected.
                status = (int)StatusCode.InvalidArgument;
                SetStatus(context, status, UnreadableRequestMessage);
            }

            var code = RpcStatusCodes.Name(context.RequestAborted.IsCancellationRequested && status == (int)StatusCode.Unknown
                ? (int)StatusCode.Cancelled
                : status);
            var serverError = RpcStatusCodes.ServerErrors.Contains(code);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(TelemetryAttributes.RpcResponseStatusCode, code);
                if (serverError)
                {
                    // An exception the handler threw already named the error (ExceptionStatusInterceptor).
                    if (activity.GetTagItem(TelemetryAttributes.ErrorType) is null)
                    {
                        activity.SetTag(TelemetryAttributes.ErrorType, code);
                    }

                    activity.SetStatus(ActivityStatusCode.Error, Header(context, "grpc-message") is { } message ? Uri.UnescapeDataString(message) : null);
                }
            }

            var tags = new TagList
            {
                { TelemetryAttributes.RpcSystemName, RpcStatusCodes.GrpcSystem },
                { TelemetryAttributes.RpcMethod, method },
                { TelemetryAttributes.RpcResponseStatusCode, code },
            };
            if (serverError)
            {
                tags.Add(TelemetryAttributes.ErrorType, code);
            }

            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    /// <summary>
    /// The ASP.NET Core instrumentation renames the span <c>{method} {route}</c> when the request ends; a gRPC call
    /// keeps its RPC name (<c>{package.Service}/{Method}</c>, or <c>grpc</c> for a method not served).
    /// </summary>
    internal static void KeepRpcSpanName(Activity activity, HttpResponse response)
    {
        if (activity.GetTagItem(TelemetryAttributes.RpcMethod) is string method && activity.GetTagItem(TelemetryAttributes.RpcSystemName) is not null)
        {
            activity.DisplayName = method == RpcStatusCodes.OtherMethod ? RpcStatusCodes.GrpcSystem : method;
        }
    }

    /// <summary>Called by the first interceptor: the request message was read, so a failure after this is the handler's.</summary>
    internal static void MarkRequestRead(HttpContext context) => context.Items[RequestReadKey] = true;

    internal static bool IsGrpc(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The method, or null for the endpoints Grpc.AspNetCore maps to answer UNIMPLEMENTED: their names are route
    /// placeholders such as <c>{unimplementedMethod}</c>, not a method of ours.
    /// </summary>
    private static IMethod? Served(IMethod? method) =>
        method is null || method.Name.Contains('{', StringComparison.Ordinal) || method.ServiceName.Contains('{', StringComparison.Ordinal) ? null : method;

    /// <summary>grpc-status from the trailers, or from the headers of a Trailers-Only answer; none means the call broke before gRPC answered (UNKNOWN).</summary>
    private static int StatusOf(HttpContext context) =>
        int.TryParse(Header(context, "grpc-status"), NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 2;

    /// <summary>Replaces grpc-status and grpc-message where Grpc.AspNetCore put them: trailers, or the headers of a Trailers-Only answer.</summary>
    private static void SetStatus(HttpContext context, int code, string message)
    {
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        var destination = trailers is not null && trailers.ContainsKey("grpc-status") ? trailers : context.Response.Headers;
        destination["grpc-status"] = code.ToString(CultureInfo.InvariantCulture);
        destination["grpc-message"] = Uri.EscapeDataString(message);
    }

    private static string? Header(HttpContext context, string name)
    {
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is not null && trailers.TryGetValue(name, out var fromTrailers) && fromTrailers.Count > 0)
        {
            return fromTrailers[0];
        }

        return context.Response.Headers.TryGetValue(name, out var fromHeaders) && fromHeaders.Count > 0 ? fromHeaders[0] : null;
    }
}
