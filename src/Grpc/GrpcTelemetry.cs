using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Shop.Conventions;

namespace Shop.Grpc;

/// <summary>
/// RPC spans and call-duration histograms per the OpenTelemetry RPC and gRPC semantic conventions,
/// with System.Diagnostics only: whoever listens to <see cref="TelemetrySources.Grpc"/> gets them.
/// </summary>
internal static class GrpcTelemetry
{
    public const string RpcSystem = "grpc";

    /// <summary>rpc.method for a path this server does not serve: the path is caller input, so it must not become a tag.</summary>
    public const string OtherMethod = "_OTHER";

    private static readonly ActivitySource Source = new(TelemetrySources.Grpc);
    private static readonly Meter Meter = new(TelemetrySources.Grpc);
    private static readonly Histogram<double> ClientDuration =
        CreateDuration(TelemetryMetrics.RpcClientCallDuration, "Duration of outgoing gRPC calls.");
    private static readonly Histogram<double> ServerDuration =
        CreateDuration(TelemetryMetrics.RpcServerCallDuration, "Duration of incoming gRPC calls.");

    /// <summary>Starts the client span, with the attributes samplers should see at creation.</summary>
    public static Activity? StartClientCall(string service, string method, Uri address) =>
        Source.StartActivity(ActivityKind.Client, tags: CallTags(service, method, address.Host, address.Port), name: $"{service}/{method}");

    /// <summary>
    /// Turns the ASP.NET Core server activity into the RPC server span; a second span would only repeat it.
    /// A null <paramref name="service"/> marks an unknown method: the span is then named after the system, as semconv says for _OTHER.
    /// </summary>
    public static Activity? EnrichServerCall(HttpContext http, string? service, string method)
    {
        var activity = http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpActivityFeature>()?.Activity;
        if (activity is not null)
        {
            activity.DisplayName = service is null ? RpcSystem : $"{service}/{method}";
            var host = http.Request.Host;
            foreach (var (key, value) in CallTags(service, method, host.Host, host.Port ?? http.Connection.LocalPort))
            {
                activity.SetTag(key, value);
            }
        }

        return activity;
    }

    /// <summary>Client spans fail on every status but OK.</summary>
    public static void EndClientCall(Activity? activity, long startTimestamp, string service, string method, Status status) =>
        End(activity, ClientDuration, startTimestamp, service, method, status, status.StatusCode != StatusCode.OK);

    /// <summary>
    /// Server spans fail only on the codes that point at the server (semconv gRPC server span):
    /// NOT_FOUND or INVALID_ARGUMENT are the caller's problem, not the server's.
    /// </summary>
    public static void EndServerCall(Activity? activity, long startTimestamp, string? service, string method, Status status) =>
        End(activity, ServerDuration, startTimestamp, service, method, status, status.StatusCode
            is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Unimplemented
            or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss);

    private static void End(
        Activity? activity, Histogram<double> duration, long startTimestamp, string? service, string method, Status status, bool isError)
    {
        var code = (int)status.StatusCode;
        if (activity is not null)
        {
            activity.SetTag(TelemetryAttributes.RpcGrpcStatusCode, code);
            if (isError)
            {
                activity.SetStatus(ActivityStatusCode.Error, status.Detail);
            }
        }

        var tags = new TagList
        {
            { TelemetryAttributes.RpcSystem, RpcSystem },
            { TelemetryAttributes.RpcMethod, method },
            { TelemetryAttributes.RpcGrpcStatusCode, code },
        };
        if (service is not null)
        {
            tags.Add(TelemetryAttributes.RpcService, service);
        }

        duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }

    private static KeyValuePair<string, object?>[] CallTags(string? service, string method, string host, int port) =>
    [
        new(TelemetryAttributes.RpcSystem, RpcSystem),
        new(TelemetryAttributes.RpcService, service),
        new(TelemetryAttributes.RpcMethod, method),
        new(TelemetryAttributes.ServerAddress, host),
        new(TelemetryAttributes.ServerPort, port),
    ];

    private static Histogram<double> CreateDuration(string name, string description) =>
        Meter.CreateHistogram(name, unit: "s", description: description, tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TelemetryMetrics.DurationBucketsSeconds });
}
