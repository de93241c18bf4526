using System.Globalization;
using System.Text.Json;
using Shop.Conventions;

namespace Shop.Workshop.Check;

/// <summary>One span of a trace as either dashboard answers it, reduced to what the checks look at.</summary>
internal sealed record TraceSpan(string TraceId, string SpanId, string? ParentSpanId, string Service, string Name, string Kind, IReadOnlyDictionary<string, string> Attributes, bool Error)
{
    /// <summary>A database client span (semconv db.*: db.system.name, or db.system before 1.26).</summary>
    public bool IsDatabase => Attributes.ContainsKey("db.system.name") || Attributes.ContainsKey("db.system");

    /// <summary>A gRPC span (semconv rpc.system.name, or rpc.system before 1.37).</summary>
    public bool IsGrpc => (Attributes.TryGetValue(TelemetryAttributes.RpcSystemName, out var system) || Attributes.TryGetValue("rpc.system", out system)) && system == "grpc";

    public string? Attribute(string key) => Attributes.TryGetValue(key, out var value) ? value : null;

    /// <summary>Same trace id, whichever way it is written (Jaeger drops leading zeros, case).</summary>
    public bool TraceMatches(string traceId) =>
        string.Equals(TraceId.TrimStart('0'), traceId.Trim().TrimStart('0'), StringComparison.OrdinalIgnoreCase);
}

/// <summary>Reads traces from the Shop dashboard's Jaeger API and the Aspire dashboard's telemetry API (OTLP JSON).</summary>
internal static class TraceSpans
{
    /// <summary>Every span of every trace in a Jaeger <c>/api/traces</c> or <c>/api/traces/{id}</c> answer.</summary>
    public static List<TraceSpan> FromJaeger(JsonElement answer)
    {
        var spans = new List<TraceSpan>();
        if (!answer.TryGetProperty("data", out var traces) || traces.ValueKind != JsonValueKind.Array)
        {
            return spans;
        }

        foreach (var trace in traces.EnumerateArray())
        {
            var processes = new Dictionary<string, string>(StringComparer.Ordinal);
            if (trace.TryGetProperty("processes", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                foreach (var process in p.EnumerateObject())
                {
                    processes[process.Name] = process.Value.TryGetProperty("serviceName", out var name) ? name.GetString() ?? "" : "";
                }
            }

            foreach (var span in trace.GetProperty("spans").EnumerateArray())
            {
                var tags = new Dictionary<string, string>(StringComparer.Ordinal);
                if (span.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array)
                {
                    foreach (var tag in t.EnumerateArray())
                    {
                        tags[tag.GetProperty("key").GetString() ?? ""] = Scalar(tag.GetProperty("value"));
                    }
                }

                string? parent = null;
                if (span.TryGetProperty("references", out var references) && references.ValueKind == JsonValueKind.Array)
                {
                    parent = references.EnumerateArray()
                        .Where(r => r.TryGetProperty("refType", out var type) && type.GetString() == "CHILD_OF")
                        .Select(r => r.GetProperty("spanID").GetString())
                        .FirstOrDefault();
                }

                var processId = span.TryGetProperty("processID", out var pid) ? pid.GetString() ?? "" : "";
                spans.Add(new TraceSpan(
                    span.TryGetProperty("traceID", out var traceId) ? traceId.GetString() ?? "" : "",
                    span.GetProperty("spanID").GetString() ?? "",
                    parent,
                    processes.TryGetValue(processId, out var service) ? service : "",
                    span.GetProperty("operationName").GetString() ?? "",
                    tags.TryGetValue("span.kind", out var kind) ? kind : "internal",
                    tags,
                    (tags.TryGetValue("otel.status_code", out var status) && status == "ERROR") || (tags.TryGetValue("error", out var error) && error == "true")));
            }
        }

        return spans;
    }

    /// <summary>Every span in an OTLP JSON answer (<c>{"data": {"resourceSpans": [...]}}</c> or the bare <c>resourceSpans</c> object).</summary>
    public static List<TraceSpan> FromOtlpJson(JsonElement answer)
    {
        var spans = new List<TraceSpan>();
        var root = answer.TryGetProperty("data", out var data) ? data : answer;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("resourceSpans", out var resourceSpans) || resourceSpans.ValueKind != JsonValueKind.Array)
        {
            return spans;
        }

        foreach (var resource in resourceSpans.EnumerateArray())
        {
            var service = resource.TryGetProperty("resource", out var r) ? OtlpAttributes(r).GetValueOrDefault(TelemetryAttributes.ServiceName, "") : "";
            foreach (var scope in resource.TryGetProperty("scopeSpans", out var s) ? s.EnumerateArray() : default)
            {
                foreach (var span in scope.TryGetProperty("spans", out var list) ? list.EnumerateArray() : default)
                {
                    var parent = span.TryGetProperty("parentSpanId", out var ps) ? ps.GetString() : null;
                    spans.Add(new TraceSpan(
                        span.TryGetProperty("traceId", out var traceId) ? traceId.GetString() ?? "" : "",
                        span.TryGetProperty("spanId", out var id) ? id.GetString() ?? "" : "",
                        string.IsNullOrEmpty(parent) ? null : parent,
                        service,
                        span.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "",
                        OtlpKind(span),
                        OtlpAttributes(span),
                        span.TryGetProperty("status", out var status) && status.TryGetProperty("code", out var code) && Scalar(code) is "2" or "STATUS_CODE_ERROR"));
                }
            }
        }

        return spans;
    }

    private static string OtlpKind(JsonElement span) => span.TryGetProperty("kind", out var kind) ? Scalar(kind) switch
    {
        "1" or "SPAN_KIND_INTERNAL" => "internal",
        "2" or "SPAN_KIND_SERVER" => "server",
        "3" or "SPAN_KIND_CLIENT" => "client",
        "4" or "SPAN_KIND_PRODUCER" => "producer",
        "5" or "SPAN_KIND_CONSUMER" => "consumer",
        _ => "internal",
    } : "internal";

    private static Dictionary<string, string> OtlpAttributes(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (owner.TryGetProperty("attributes", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var attribute in list.EnumerateArray())
            {
                var value = attribute.GetProperty("value");
                // AnyValue: exactly one of stringValue, intValue (a string in OTLP JSON), doubleValue, boolValue, ...
                attributes[attribute.GetProperty("key").GetString() ?? ""] = value.ValueKind == JsonValueKind.Object
                    ? value.EnumerateObject().Select(v => Scalar(v.Value)).FirstOrDefault() ?? ""
                    : Scalar(value);
            }
        }

        return attributes;
    }

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : value.GetDouble().ToString(CultureInfo.InvariantCulture),
        _ => value.GetRawText(),
    };
}
