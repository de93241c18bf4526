using System.Globalization;
using System.Text.Json;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Query;

/// <summary>
/// Jaeger's UI JSON model (jaeger-query's /api): traces with spans, references, tags [{key, type, value}],
/// logs and processes, converted from OTLP the way Jaeger's OTLP translator does: span kind, status and
/// scope become tags, events become logs with an "event" field, the resource becomes the process,
/// the parent a CHILD_OF reference and links FOLLOWS_FROM references; times in microseconds.
/// </summary>
internal static class JaegerJson
{
    /// <summary>Link attribute that marks an OpenTracing reference type (Jaeger's translator honours it).</summary>
    private const string RefTypeAttribute = "opentracing.ref_type";

    /// <summary>Writes Jaeger's envelope: {data, total, limit, offset, errors}.</summary>
    public static void WriteEnvelope(Utf8JsonWriter writer, Action<Utf8JsonWriter> data, int total = 0, IReadOnlyList<JaegerError>? errors = null)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("data");
        data(writer);
        writer.WriteNumber("total", total);
        writer.WriteNumber("limit", 0);
        writer.WriteNumber("offset", 0);
        writer.WritePropertyName("errors");
        if (errors is null || errors.Count == 0)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStartArray();
            foreach (var error in errors)
            {
                writer.WriteStartObject();
                if (error.Code != 0)
                {
                    writer.WriteNumber("code", error.Code);
                }

                writer.WriteString("msg", error.Message);
                if (error.TraceId is not null)
                {
                    writer.WriteString("traceID", error.TraceId);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    public static void WriteTraces(Utf8JsonWriter writer, IEnumerable<List<SpanRecord>> traces)
    {
        writer.WriteStartArray();
        foreach (var trace in traces)
        {
            WriteTrace(writer, trace);
        }

        writer.WriteEndArray();
    }

    public static void WriteTrace(Utf8JsonWriter writer, List<SpanRecord> spans)
    {
        // Jaeger numbers processes p1, p2, ... in order of first appearance.
        var processIds = new Dictionary<SpanProcess, string>(ReferenceEqualityComparer.Instance);
        foreach (var span in spans)
        {
            if (!processIds.ContainsKey(span.Process))
            {
                processIds.Add(span.Process, "p" + (processIds.Count + 1).ToString(CultureInfo.InvariantCulture));
            }
        }

        writer.WriteStartObject();
        writer.WriteString("traceID", spans.Count > 0 ? spans[0].TraceId.ToJaegerString() : "");
        writer.WriteStartArray("spans");
        foreach (var span in spans)
        {
            WriteSpan(writer, span, processIds[span.Process]);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("processes");
        foreach (var (process, id) in processIds)
        {
            writer.WriteStartObject(id);
            writer.WriteString("serviceName", process.ServiceName);
            writer.WriteStartArray("tags");
            foreach (var attribute in process.Attributes)
            {
                WriteTag(writer, attribute);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteNull("warnings");
        writer.WriteEndObject();
    }

    private static void WriteSpan(Utf8JsonWriter writer, in SpanRecord span, string processId)
    {
        var traceId = span.TraceId.ToJaegerString();
        writer.WriteStartObject();
        writer.WriteString("traceID", traceId);
        writer.WriteString("spanID", SpanIds.ToHex(span.SpanId));
        writer.WriteNumber("flags", span.TraceFlags);
        writer.WriteString("operationName", span.Name);
        writer.WriteStartArray("references");
        if (span.ParentSpanId != 0)
        {
            WriteReference(writer, "CHILD_OF", traceId, span.ParentSpanId);
        }

        foreach (var link in span.Details?.Links ?? [])
        {
            var childOf = Array.Exists(link.Attributes, a => a.Key == RefTypeAttribute && a.Text == "child_of");
            WriteReference(writer, childOf ? "CHILD_OF" : "FOLLOWS_FROM", link.TraceId.ToJaegerString(), link.SpanId);
        }

        writer.WriteEndArray();
        writer.WriteNumber("startTime", span.StartUnixNano / 1000);
        writer.WriteNumber("duration", span.DurationNano / 1000);
        writer.WriteStartArray("tags");
        WriteSpanTags(writer, span);
        writer.WriteEndArray();
        writer.WriteStartArray("logs");
        foreach (var spanEvent in span.Details?.Events ?? [])
        {
            writer.WriteStartObject();
            writer.WriteNumber("timestamp", spanEvent.TimeUnixNano / 1000);
            writer.WriteStartArray("fields");
            if (spanEvent.Name.Length > 0)
            {
                WriteTag(writer, StoredAttribute.String(DerivedTags.EventField, spanEvent.Name));
            }

            foreach (var attribute in spanEvent.Attributes)
            {
                WriteTag(writer, attribute);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("processID", processId);
        writer.WriteNull("warnings");
        writer.WriteEndObject();
    }

    /// <summary>Tag order of Jaeger's translator: scope, attributes, span.kind, otel.status_code, error, otel.status_description, w3c.tracestate.</summary>
    private static void WriteSpanTags(Utf8JsonWriter writer, in SpanRecord span)
    {
        if (span.Scope.Name.Length > 0)
        {
            WriteTag(writer, StoredAttribute.String(DerivedTags.ScopeName, span.Scope.Name));
        }

        if (span.Scope.Version.Length > 0)
        {
            WriteTag(writer, StoredAttribute.String(DerivedTags.ScopeVersion, span.Scope.Version));
        }

        foreach (var attribute in span.Attributes)
        {
            WriteTag(writer, attribute);
        }

        if (DerivedTags.KindName(span.Kind) is { } kind)
        {
            WriteTag(writer, StoredAttribute.String(DerivedTags.SpanKind, kind));
        }

        if (DerivedTags.ValueOf(span, DerivedTags.StatusCode) is { } status)
        {
            WriteTag(writer, StoredAttribute.String(DerivedTags.StatusCode, status));
        }

        if (span.IsError)
        {
            WriteTag(writer, new StoredAttribute { Key = DerivedTags.Error, Bits = 1, Kind = ValueKind.Bool });
        }

        if (span.Details?.StatusMessage is { } message)
        {
            WriteTag(writer, StoredAttribute.String(DerivedTags.StatusDescription, message));
        }

        if (span.Details?.TraceState is { } traceState)
        {
            WriteTag(writer, StoredAttribute.String(DerivedTags.TraceState, traceState));
        }
    }

    private static void WriteReference(Utf8JsonWriter writer, string type, string traceId, ulong spanId)
    {
        writer.WriteStartObject();
        writer.WriteString("refType", type);
        writer.WriteString("traceID", traceId);
        writer.WriteString("spanID", SpanIds.ToHex(spanId));
        writer.WriteEndObject();
    }

    /// <summary>{key, type, value} with Jaeger's types: string, bool, int64, float64, binary (arrays and maps as JSON strings).</summary>
    public static void WriteTag(Utf8JsonWriter writer, in StoredAttribute attribute)
    {
        writer.WriteStartObject();
        writer.WriteString("key", attribute.Key);
        switch (attribute.Kind)
        {
            case ValueKind.Bool:
                writer.WriteString("type", "bool");
                writer.WriteBoolean("value", attribute.BoolValue);
                break;
            case ValueKind.Int:
                writer.WriteString("type", "int64");
                writer.WriteNumber("value", attribute.IntValue);
                break;
            case ValueKind.Double when double.IsFinite(attribute.DoubleValue):
                writer.WriteString("type", "float64");
                writer.WriteNumber("value", attribute.DoubleValue);
                break;
            case ValueKind.Double:
                writer.WriteString("type", "float64");
                writer.WriteString("value", attribute.ValueText);
                break;
            case ValueKind.Bytes:
                writer.WriteString("type", "binary");
                writer.WriteString("value", attribute.Text);
                break;
            default:
                writer.WriteString("type", "string");
                writer.WriteString("value", attribute.Text ?? "");
                break;
        }

        writer.WriteEndObject();
    }
}

/// <summary>Jaeger's structuredError: {code, msg, traceID}.</summary>
internal sealed record JaegerError(int Code, string Message, string? TraceId = null);
