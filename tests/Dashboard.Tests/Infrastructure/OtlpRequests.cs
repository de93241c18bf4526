using System.IO.Compression;
using Google.Protobuf;
using Shop.Otlp.Collector.Logs.V1;
using Shop.Otlp.Collector.Trace.V1;
using Shop.Otlp.Common.V1;
using Shop.Otlp.Logs.V1;
using Shop.Otlp.Resource.V1;
using Shop.Otlp.Trace.V1;

namespace Shop.Dashboard.Tests.Infrastructure;

/// <summary>Hand-built OTLP requests for the cases the real exporter never sends.</summary>
public static class OtlpRequests
{
    /// <summary>A random, valid 16-byte trace id from <paramref name="random"/> (deterministic for a seeded one).</summary>
    public static ByteString TraceId(Random random) => Bytes(random, 16);

    public static ByteString SpanId(Random random) => Bytes(random, 8);

    public static string Hex(ByteString id) => Convert.ToHexStringLower(id.Span);

    public static Span Span(ByteString traceId, ByteString spanId, string name, DateTimeOffset start, TimeSpan duration,
        ByteString? parent = null, bool error = false, Span.Types.SpanKind kind = Shop.Otlp.Trace.V1.Span.Types.SpanKind.Server,
        params (string Key, string Value)[] attributes)
    {
        var startNanos = (ulong)start.ToUnixTimeMilliseconds() * 1_000_000UL;
        var span = new Span
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parent ?? ByteString.Empty,
            Name = name,
            Kind = kind,
            StartTimeUnixNano = startNanos,
            EndTimeUnixNano = startNanos + (ulong)(duration.Ticks * 100),
            Status = error ? new Status { Code = Status.Types.StatusCode.Error, Message = "failed" } : null,
        };
        foreach (var (key, value) in attributes)
        {
            span.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        }

        return span;
    }

    /// <summary>An export request of <paramref name="spans"/> from one service.</summary>
    public static ExportTraceServiceRequest Request(string service, params IEnumerable<Span> spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "Shop.Dashboard.Tests" } };
        scope.Spans.AddRange(spans);
        return new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = service } } } },
                    ScopeSpans = { scope },
                },
            },
        };
    }

    /// <summary>A log record with <paramref name="body"/>, of a trace (or of none) at OTLP severity <paramref name="severity"/> (9 INFO, 13 WARN).</summary>
    public static LogRecord Log(ByteString? traceId, string body, int severity = 9) => new()
    {
        TimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000UL,
        TraceId = traceId ?? ByteString.Empty,
        SeverityNumber = (SeverityNumber)severity,
        Body = new AnyValue { StringValue = body },
    };

    /// <summary>An export request of <paramref name="records"/> from one service.</summary>
    public static ExportLogsServiceRequest Logs(string service, params IEnumerable<LogRecord> records)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "Shop.Dashboard.Tests" } };
        scope.LogRecords.AddRange(records);
        return new ExportLogsServiceRequest
        {
            ResourceLogs =
            {
                new ResourceLogs
                {
                    Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = service } } } },
                    ScopeLogs = { scope },
                },
            },
        };
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static ByteString Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        bytes[0] |= 1;
        return ByteString.CopyFrom(bytes);
    }
}
