using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Shop.Otlp.Collector.Logs.V1;
using Shop.Otlp.Collector.Metrics.V1;
using Shop.Otlp.Collector.Trace.V1;

namespace Shop.Dashboard.Forwarding;

/// <summary>OTLP/gRPC through Grpc.Net.Client: the generated collector clients' Export methods on the upstream endpoint's channel.</summary>
internal sealed class GrpcForwardTransport(GrpcChannel channel) : IForwardTransport
{
    private readonly TraceService.TraceServiceClient _traces = new(channel);
    private readonly LogsService.LogsServiceClient _logs = new(channel);
    private readonly MetricsService.MetricsServiceClient _metrics = new(channel);

    /// <summary>Request metadata (Dashboard:Forward:Headers), e.g. an upstream's API key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; set; } = [];

    /// <summary>
    /// The channel for <paramref name="upstream"/>. Cleartext http:// means HTTP/2 with prior knowledge, as
    /// OTLP/gRPC receivers expect; the forwarder's own timeout (Dashboard:Forward:Timeout) bounds each call
    /// through its cancellation token, so no deadline is set here.
    /// </summary>
    public static GrpcChannel CreateChannel(Uri upstream) => GrpcChannel.ForAddress(upstream, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            // The dashboard keeps its own telemetry out of itself: no traceparent and no System.Net.Http span per export.
            ActivityHeadersPropagator = null,
            EnableMultipleHttp2Connections = true,
        },
        DisposeHttpClient = true,
    });

    public async Task SendAsync(TelemetrySignal signal, IMessage request, CancellationToken cancellationToken)
    {
        var metadata = new Metadata();
        foreach (var (key, value) in Headers)
        {
            metadata.Add(key, value);
        }

        var options = new CallOptions(headers: metadata, cancellationToken: cancellationToken);
        _ = signal switch
        {
            TelemetrySignal.Traces => (object)await _traces.ExportAsync((ExportTraceServiceRequest)request, options),
            TelemetrySignal.Logs => await _logs.ExportAsync((ExportLogsServiceRequest)request, options),
            _ => await _metrics.ExportAsync((ExportMetricsServiceRequest)request, options),
        };
    }
}
