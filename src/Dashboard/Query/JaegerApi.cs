using System.Text.Encodings.Web;
using System.Text.Json;
using Shop.Dashboard.Hosting;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Query;

/// <summary>
/// The HTTP JSON API jaeger-query serves its UI (v2.x <c>/api</c>), over the span store: services,
/// operations, trace search, trace by id, dependencies. Answers and errors keep Jaeger's shapes.
/// </summary>
internal static class JaegerApi
{
    public static void MapJaegerApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithMetadata(ListenerRole.Query);
        api.MapGet("/services", (HttpContext http, SpanStore store) =>
        {
            var services = store.Services();
            return Json(http, w => JaegerJson.WriteEnvelope(w, d => WriteStrings(d, services), services.Count));
        });

        api.MapGet("/services/{service}/operations", (HttpContext http, string service, SpanStore store) =>
        {
            var names = store.Operations(service).Select(o => o.Name).Distinct().ToList();
            return Json(http, w => JaegerJson.WriteEnvelope(w, d => WriteStrings(d, names), names.Count));
        });

        api.MapGet("/operations", (HttpContext http, SpanStore store) =>
        {
            var service = http.Request.Query["service"].ToString();
            if (service.Length == 0)
            {
                return Error(http, StatusCodes.Status400BadRequest, "parameter 'service' is required");
            }

            var kindName = http.Request.Query["spanKind"].ToString();
            var operations = kindName.Length == 0
                ? store.Operations(service)
                : DerivedTags.KindFromName(kindName) is { } kind ? store.Operations(service, kind) : [];
            return Json(http, w => JaegerJson.WriteEnvelope(w, d =>
            {
                d.WriteStartArray();
                foreach (var (name, spanKind) in operations)
                {
                    d.WriteStartObject();
                    d.WriteString("name", name);
                    d.WriteString("spanKind", DerivedTags.KindName(spanKind) ?? "");
                    d.WriteEndObject();
                }

                d.WriteEndArray();
            }, operations.Count));
        });

        api.MapGet("/traces", Search);
        api.MapGet("/traces/{traceId}", (HttpContext http, string traceId, SpanStore store) =>
        {
            if (!TraceId.TryParse(traceId, out var id))
            {
                return Error(http, StatusCodes.Status400BadRequest, $"cannot parse traceID '{traceId}': expecting 1 to 32 hex digits");
            }

            var spans = store.GetTrace(id);
            return spans.Count == 0
                ? Error(http, StatusCodes.Status404NotFound, TraceNotFound)
                : Json(http, w => JaegerJson.WriteEnvelope(w, d => JaegerJson.WriteTraces(d, [spans])));
        });

        api.MapGet("/dependencies", (HttpContext http, SpanStore store, TimeProvider time) =>
        {
            try
            {
                // Jaeger: endTs in Unix milliseconds (default now), lookback in milliseconds (default 24 h).
                var endMs = QueryParameters.IntegerParameter(http.Request.Query, "endTs") ?? time.GetUtcNow().ToUnixTimeMilliseconds();
                var lookbackMs = QueryParameters.IntegerParameter(http.Request.Query, "lookback") ?? (long)TimeSpan.FromDays(1).TotalMilliseconds;
                var links = store.Dependencies((endMs - lookbackMs) * 1_000_000, endMs * 1_000_000);
                var service = http.Request.Query["service"].ToString();
                var selected = links.Where(l => service.Length == 0 || l.Key.Parent == service || l.Key.Child == service)
                    .OrderBy(l => l.Key.Parent, StringComparer.Ordinal).ThenBy(l => l.Key.Child, StringComparer.Ordinal).ToList();
                return Json(http, w => JaegerJson.WriteEnvelope(w, d =>
                {
                    d.WriteStartArray();
                    foreach (var ((parent, child), count) in selected)
                    {
                        d.WriteStartObject();
                        d.WriteString("parent", parent);
                        d.WriteString("child", child);
                        d.WriteNumber("callCount", count);
                        d.WriteEndObject();
                    }

                    d.WriteEndArray();
                }));
            }
            catch (QueryParameterException e)
            {
                return Error(http, StatusCodes.Status400BadRequest, e.Message);
            }
        });
    }

    /// <summary>spanstore.ErrTraceNotFound's message.</summary>
    public const string TraceNotFound = "trace not found";

    /// <summary>/api/traces: by traceID (repeatable) or by search; Jaeger leaves total, limit and offset at 0 here.</summary>
    private static Task Search(HttpContext http, SpanStore store, TimeProvider time)
    {
        var ids = http.Request.Query["traceID"];
        if (ids.Count > 0)
        {
            var traces = new List<List<SpanRecord>>();
            var errors = new List<JaegerError>();
            foreach (var text in ids)
            {
                if (!TraceId.TryParse(text, out var id))
                {
                    return Error(http, StatusCodes.Status400BadRequest, $"cannot parse traceID param: '{text}' is not 1 to 32 hex digits");
                }

                var spans = store.GetTrace(id);
                if (spans.Count > 0)
                {
                    traces.Add(spans);
                }
                else
                {
                    errors.Add(new JaegerError(0, TraceNotFound, id.ToJaegerString()));
                }
            }

            return Json(http, w => JaegerJson.WriteEnvelope(w, d => JaegerJson.WriteTraces(d, traces), errors: errors));
        }

        TraceQuery query;
        try
        {
            query = QueryParameters.ParseTraceQuery(http.Request.Query, time.GetUtcNow());
        }
        catch (QueryParameterException e)
        {
            return Error(http, StatusCodes.Status400BadRequest, e.Message);
        }

        var found = store.FindTraces(query);
        return Json(http, w => JaegerJson.WriteEnvelope(w, d => JaegerJson.WriteTraces(d, found)));
    }

    /// <summary>Jaeger's error answer: {data: null, total: 0, limit: 0, offset: 0, errors: [{code, msg}]}.</summary>
    public static Task Error(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return Json(http, w => JaegerJson.WriteEnvelope(w, d => d.WriteNullValue(), errors: [new JaegerError(status, message)]));
    }

    public static async Task Json(HttpContext http, Action<Utf8JsonWriter> write)
    {
        http.Response.ContentType = "application/json";
        var pretty = http.Request.Query["prettyPrint"].ToString() is { Length: > 0 } p && p != "false";
        await using var writer = new Utf8JsonWriter(http.Response.BodyWriter, new JsonWriterOptions { Indented = pretty, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        write(writer);
        await writer.FlushAsync();
    }

    private static void WriteStrings(Utf8JsonWriter writer, IEnumerable<string> values)
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
