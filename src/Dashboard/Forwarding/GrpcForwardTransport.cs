using Google.Protobuf;
using Shop.Grpc;
using Shop.Otlp.Collector.Logs.V1;
using Shop.Otlp.Collector.Metrics.V1;
using Shop.Otlp.Collector.Trace.V1;

namespace Shop.Dashboard.Forwarding;

/// <summary>OTLP/gRPC through src/Grpc's client: the collector services' Export methods on the upstream endpoint.</summary>
internal sealed class GrpcForwardTransport(CallInvoker invoker) : IForwardTransport
{
    public const string ClientName = "otlp-forward";

    private static readonly Method<ExportTraceServiceRequest, ExportTraceServiceResponse> Traces = new(TraceServiceReflection.Descriptor.Services[0], "Export");
    private static readonly Method<ExportLogsServiceRequest, ExportLogsServiceResponse> Logs = new(LogsServiceReflection.Descriptor.Services[0], "Export");
    private static readonly Method<ExportMetricsServiceRequest, ExportMetricsServiceResponse> Metrics = new(MetricsServiceReflection.Descriptor.Services[0], "Export");

    /// <summary>Request metadata (Dashboard:Forward:Headers), e.g. an upstream's API key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; set; } = [];

    public async Task SendAsync(TelemetrySignal signal, IMessage request, CancellationToken cancellationToken)
    {
        var metadata = new Metadata();
        foreach (var (key, value) in Headers)
        {
            metadata.Add(key, value);
        }

        var options = new CallOptions(Headers: metadata, CancellationToken: cancellationToken);
        _ = signal switch
        {
            TelemetrySignal.Traces => (object)await invoker.UnaryAsync(Traces, (ExportTraceServiceRequest)request, options),
            TelemetrySignal.Logs => await invoker.UnaryAsync(Logs, (ExportLogsServiceRequest)request, options),
            _ => await invoker.UnaryAsync(Metrics, (ExportMetricsServiceRequest)request, options),
        };
    }
}
