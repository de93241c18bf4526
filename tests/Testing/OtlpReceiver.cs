using System.Buffers.Binary;
using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Shop.Hosting;
using Shop.Otlp;
using Shop.Otlp.Collector.Logs.V1;
using Shop.Otlp.Collector.Metrics.V1;
using Shop.Otlp.Collector.Trace.V1;
using Shop.Otlp.Trace.V1;

namespace Shop.Testing;

/// <summary>
/// An OTLP receiver for tests: OTLP/HTTP protobuf on one port and OTLP/gRPC on another, on 127.0.0.1.
/// Point a process at <see cref="HttpEndpoint"/> (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) or
/// <see cref="GrpcEndpoint"/> (grpc) and read what it exported.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly ConcurrentQueue<ReceivedLog> _logs = new();
    private readonly ConcurrentQueue<ReceivedMetric> _metrics = new();

    private OtlpReceiver(int httpPort, int grpcPort)
    {
        HttpEndpoint = $"http://127.0.0.1:{httpPort}";
        GrpcEndpoint = $"http://127.0.0.1:{grpcPort}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.ListenLocalhost(httpPort, listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.ListenLocalhost(grpcPort, listen => listen.Protocols = HttpProtocols.Http2);
        });
        _app = builder.Build();
        _app.MapPost("/v1/traces", async (HttpContext http) => await Accept(http, ExportTraceServiceRequest.Parser, Add, grpc: false));
        _app.MapPost("/v1/logs", async (HttpContext http) => await Accept(http, ExportLogsServiceRequest.Parser, Add, grpc: false));
        _app.MapPost("/v1/metrics", async (HttpContext http) => await Accept(http, ExportMetricsServiceRequest.Parser, Add, grpc: false));
        _app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", async (HttpContext http) => await Accept(http, ExportTraceServiceRequest.Parser, Add, grpc: true));
        _app.MapPost("/opentelemetry.proto.collector.logs.v1.LogsService/Export", async (HttpContext http) => await Accept(http, ExportLogsServiceRequest.Parser, Add, grpc: true));
        _app.MapPost("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", async (HttpContext http) => await Accept(http, ExportMetricsServiceRequest.Parser, Add, grpc: true));
    }

    public string HttpEndpoint { get; }

    public string GrpcEndpoint { get; }

    /// <summary>The variables that make a service export here, with short batch delays so that tests see data quickly.</summary>
    public Dictionary<string, string?> ExportEnvironment(string protocol = "http/protobuf") => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = protocol == "grpc" ? GrpcEndpoint : HttpEndpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
    };

    /// <summary>Content types of the requests received, e.g. application/x-protobuf or application/grpc.</summary>
    public ConcurrentBag<string> ContentTypes { get; } = [];

    /// <summary>Headers of every export request received.</summary>
    public ConcurrentBag<IReadOnlyDictionary<string, string>> RequestHeaders { get; } = [];

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    public IReadOnlyList<ReceivedLog> Logs => [.. _logs];

    public IReadOnlyList<ReceivedMetric> Metrics => [.. _metrics];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver(FreePort.Next(), FreePort.Next());
        await receiver._app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for what has been received, or fails with what was seen.</summary>
    public async Task<T> WaitFor<T>(Func<OtlpReceiver, T?> condition, TimeSpan? timeout = null, string? what = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (condition(this) is { } result)
            {
                return result;
            }

            if (DateTime.UtcNow > deadline)
            {
                var seen = string.Join(", ", Spans.Select(s => $"{s.ServiceName}:{s.Name}").Distinct().Take(40));
                throw new TimeoutException($"OTLP receiver: {what ?? "condition"} not met in time. Spans seen: [{seen}]; logs: {Logs.Count}; metrics: {Metrics.Count}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits for spans matching <paramref name="match"/>; returns them once at least <paramref name="count"/> arrived.</summary>
    public Task<IReadOnlyList<ReceivedSpan>> WaitForSpans(Func<ReceivedSpan, bool> match, int count = 1, TimeSpan? timeout = null) =>
        WaitFor<IReadOnlyList<ReceivedSpan>>(r => r.Spans.Where(match).ToList() is { } found && found.Count >= count ? found : null, timeout, $"{count} matching span(s)");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Add(ExportTraceServiceRequest request)
    {
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = OtlpValues.ToDictionary(resourceSpans.Resource?.Attributes ?? []);
            foreach (var scope in resourceSpans.ScopeSpans)
            {
                foreach (var span in scope.Spans)
                {
                    _spans.Enqueue(new ReceivedSpan(resource, scope.Scope?.Name ?? "", span));
                }
            }
        }
    }

    private void Add(ExportLogsServiceRequest request)
    {
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var resource = OtlpValues.ToDictionary(resourceLogs.Resource?.Attributes ?? []);
            foreach (var scope in resourceLogs.ScopeLogs)
            {
                foreach (var record in scope.LogRecords)
                {
                    _logs.Enqueue(new ReceivedLog(resource, scope.Scope?.Name ?? "", record));
                }
            }
        }
    }

    private void Add(ExportMetricsServiceRequest request)
    {
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var resource = OtlpValues.ToDictionary(resourceMetrics.Resource?.Attributes ?? []);
            foreach (var scope in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scope.Metrics)
                {
                    _metrics.Enqueue(new ReceivedMetric(resource, scope.Scope?.Name ?? "", metric));
                }
            }
        }
    }

    private async Task Accept<T>(HttpContext http, MessageParser<T> parser, Action<T> add, bool grpc)
        where T : IMessage<T>
    {
        ContentTypes.Add(http.Request.ContentType ?? "");
        RequestHeaders.Add(http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        if (grpc)
        {
            // One length-prefixed message: compressed flag (0), 4-byte big-endian length, payload.
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1, 4));
            add(parser.ParseFrom(bytes.AsSpan(5, length)));
            http.Response.ContentType = "application/grpc";
            await http.Response.Body.WriteAsync(new byte[5]);
            http.Response.AppendTrailer("grpc-status", "0");
            return;
        }

        add(parser.ParseFrom(bytes));
        http.Response.ContentType = "application/x-protobuf";
        await http.Response.Body.WriteAsync(Array.Empty<byte>());
    }
}

/// <summary>A span as received, with its resource and scope.</summary>
public sealed record ReceivedSpan(IReadOnlyDictionary<string, object?> Resource, string Scope, Span Span)
{
    public string ServiceName => Resource.TryGetValue("service.name", out var name) ? name as string ?? "" : "";

    public string Name => Span.Name;

    public string TraceId => OtlpValues.Hex(Span.TraceId);

    public string SpanId => OtlpValues.Hex(Span.SpanId);

    public string ParentSpanId => OtlpValues.Hex(Span.ParentSpanId);

    public Span.Types.SpanKind Kind => Span.Kind;

    public IReadOnlyDictionary<string, object?> Attributes { get; } = OtlpValues.ToDictionary(Span.Attributes);

    public object? this[string attribute] => Attributes.TryGetValue(attribute, out var value) ? value : null;

    public override string ToString() => $"{ServiceName}:{Name} ({Kind}) {TraceId}/{SpanId}<-{ParentSpanId}";
}

/// <summary>A log record as received, with its resource and scope (the logger category).</summary>
public sealed record ReceivedLog(IReadOnlyDictionary<string, object?> Resource, string Scope, Shop.Otlp.Logs.V1.LogRecord Record)
{
    public string ServiceName => Resource.TryGetValue("service.name", out var name) ? name as string ?? "" : "";

    public string TraceId => OtlpValues.Hex(Record.TraceId);

    public string SpanId => OtlpValues.Hex(Record.SpanId);

    public string Body => OtlpValues.ToText(Record.Body);

    public IReadOnlyDictionary<string, object?> Attributes { get; } = OtlpValues.ToDictionary(Record.Attributes);
}

/// <summary>A metric as received, with its resource and scope (the meter).</summary>
public sealed record ReceivedMetric(IReadOnlyDictionary<string, object?> Resource, string Scope, Shop.Otlp.Metrics.V1.Metric Metric)
{
    public string ServiceName => Resource.TryGetValue("service.name", out var name) ? name as string ?? "" : "";

    public string Name => Metric.Name;
}
