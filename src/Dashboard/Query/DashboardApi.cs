using System.Diagnostics;
using Microsoft.Extensions.Options;
using Shop.Dashboard.Alerts;
using Shop.Dashboard.Forwarding;
using Shop.Dashboard.Hosting;
using Shop.Dashboard.Ingest;
using Shop.Dashboard.Sampling;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Query;

/// <summary>
/// The dashboard's own API next to Jaeger's (same envelope): logs, metrics per service and route,
/// instruments, the critical path of a trace, and the dashboard's status counters.
/// </summary>
internal static class DashboardApi
{
    public static void MapDashboardApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithMetadata(ListenerRole.Query);
        api.MapGet("/logs", Logs);
        api.MapGet("/logs/services", (LogStore logs) => Envelope(logs.Services()));
        api.MapGet("/traces/{traceId}/critical-path", (HttpContext http, string traceId, SpanStore store) =>
        {
            if (!TraceId.TryParse(traceId, out var id))
            {
                return JaegerApi.Error(http, StatusCodes.Status400BadRequest, $"cannot parse traceID '{traceId}'");
            }

            var spans = store.GetTrace(id);
            if (spans.Count == 0)
            {
                return JaegerApi.Error(http, StatusCodes.Status404NotFound, JaegerApi.TraceNotFound);
            }

            var segments = CriticalPath.Compute(spans);
            var data = new
            {
                segments = segments.Select(s => new { spanID = SpanIds.ToHex(s.SpanId), startTime = s.StartUnixNano / 1000, duration = s.DurationNano / 1000 }),
                selfTime = CriticalPath.SelfTime(segments).ToDictionary(p => SpanIds.ToHex(p.Key), p => p.Value / 1000),
            };
            return Envelope(data).ExecuteAsync(http);
        });

        api.MapGet("/metrics/routes", (HttpContext http, MetricStore metrics, TimeProvider time) =>
        {
            var windowText = http.Request.Query["window"].ToString();
            if (!QueryParameters.TryParseDuration(windowText.Length > 0 ? windowText : "5m", allowDays: true, out var window) || window <= TimeSpan.Zero)
            {
                return JaegerApi.Error(http, StatusCodes.Status400BadRequest, $"unable to parse param 'window': '{windowText}' is not a duration like 5m");
            }

            var service = http.Request.Query["service"].ToString();
            var now = time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
            var routes = ServiceMetrics.Compute(metrics, now, window, service.Length > 0 ? service : null);
            return Envelope(routes).ExecuteAsync(http);
        });

        // The same figures step by step, for the metrics page's charts: 15 steps of at least a minute (the
        // default OTLP metric export interval) unless `step` says otherwise; at most 240 steps.
        api.MapGet("/metrics/routes/history", (HttpContext http, MetricStore metrics, TimeProvider time) =>
        {
            var query = http.Request.Query;
            var windowText = query["window"].ToString();
            if (!QueryParameters.TryParseDuration(windowText.Length > 0 ? windowText : "15m", allowDays: true, out var window) || window <= TimeSpan.Zero)
            {
                return JaegerApi.Error(http, StatusCodes.Status400BadRequest, $"unable to parse param 'window': '{windowText}' is not a duration like 15m");
            }

            var stepText = query["step"].ToString();
            var step = TimeSpan.FromTicks(Math.Max(window.Ticks / 15, TimeSpan.FromMinutes(1).Ticks));
            if (stepText.Length > 0 && (!QueryParameters.TryParseDuration(stepText, allowDays: true, out step) || step < TimeSpan.FromSeconds(1)))
            {
                return JaegerApi.Error(http, StatusCodes.Status400BadRequest, $"unable to parse param 'step': '{stepText}' is not a duration of at least 1s");
            }

            if (window / step > 240)
            {
                return JaegerApi.Error(http, StatusCodes.Status400BadRequest, $"'window' / 'step' is {Math.Ceiling(window / step)} steps; at most 240");
            }

            var service = query["service"].ToString();
            var now = time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
            return Envelope(ServiceMetrics.History(metrics, now, window, step, service.Length > 0 ? service : null)).ExecuteAsync(http);
        });

        // The SLOs of Dashboard:Slos: budget left over the stored metrics, burn rates over 5 m, 1 h and 6 h now and
        // every 5 minutes over the last hour, and the alerts Alertmanager sent for each (label slo).
        api.MapGet("/slos", (MetricStore metrics, AlertStore alerts, IOptions<DashboardOptions> options, TimeProvider time) =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
            var all = alerts.All();
            return Envelope(options.Value.Slos.Select(slo => new
            {
                status = SloMetrics.Compute(slo, metrics, now, options.Value.MetricRetention, TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)),
                alerts = all.Where(a => a.Labels.GetValueOrDefault("slo") == slo.Name)
                    .Select(a => new { a.Id, a.AlertName, a.Status, severity = a.Labels.GetValueOrDefault("severity"), a.StartsAt, a.EndsAt })
                    .ToList(),
            }).ToList());
        });

        api.MapGet("/metrics/instruments", (string? service, MetricStore metrics) =>
            Envelope(metrics.Instruments(string.IsNullOrEmpty(service) ? null : service).Select(i => new
            {
                i.Service,
                i.Name,
                i.Description,
                i.Unit,
                Type = i.Type.ToString(),
                Temporality = i.Type == InstrumentType.Gauge ? null : i.Cumulative ? "cumulative" : "delta",
                i.Monotonic,
                i.Series,
            }).ToList()));

        api.MapGet("/metrics/series", (string service, string name, MetricStore metrics) =>
            Envelope(metrics.Series(service, name).Select(s => new
            {
                Attributes = s.Series.Attributes.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.Last().ValueText),
                Latest = s.Latest is { } p
                    ? new { Timestamp = p.TimeUnixNano / 1000, p.Value, p.Count, p.Sum, p.Bounds, p.BucketCounts }
                    : null,
            }).ToList()));

        api.MapGet("/status", Status);
    }

    /// <summary>Jaeger's envelope for the dashboard's own answers.</summary>
    public static IResult Envelope<T>(T data, int? total = null) =>
        TypedResults.Json(new { data, total = total ?? (data is System.Collections.ICollection c ? c.Count : 0), limit = 0, offset = 0, errors = (object?)null });

    private static Task Logs(HttpContext http, LogStore logs)
    {
        var query = http.Request.Query;
        try
        {
            var traceText = query["traceId"].ToString();
            var spanText = query["spanId"].ToString();
            TraceId? traceId = traceText.Length == 0 ? null
                : TraceId.TryParse(traceText, out var t) ? t : throw new QueryParameterException($"traceId '{traceText}' is not hex");
            ulong? spanId = spanText.Length == 0 ? null
                : SpanIds.TryParse(spanText, out var s) ? s : throw new QueryParameterException($"spanId '{spanText}' is not hex");
            var limit = (int)Math.Clamp(QueryParameters.IntegerParameter(query, "limit") ?? 100, 1, 1000);
            var service = query["service"].ToString();
            var text = query["text"].ToString();
            var found = logs.Find(new LogQuery(
                traceId,
                spanId,
                service.Length > 0 ? service : null,
                Severity.Parse(query["severity"].ToString()),
                text.Length > 0 ? text : null,
                QueryParameters.IntegerParameter(query, "before"),
                limit));
            return Envelope(found.Select(f => LogJson(f.Seq, f.Entry)).ToList()).ExecuteAsync(http);
        }
        catch (QueryParameterException e)
        {
            return JaegerApi.Error(http, StatusCodes.Status400BadRequest, e.Message);
        }
    }

    private static object LogJson(long seq, in LogEntry entry) => new
    {
        seq,
        timestamp = entry.TimeUnixNano / 1000,
        service = entry.ServiceName,
        severity = Severity.Name(entry.SeverityNumber),
        severityNumber = (int)entry.SeverityNumber,
        severityText = entry.SeverityText,
        body = entry.Body,
        traceID = entry.TraceId.IsEmpty ? null : entry.TraceId.ToHex(),
        spanID = entry.SpanId == 0 ? null : SpanIds.ToHex(entry.SpanId),
        scope = entry.Scope.Name,
        eventName = entry.EventName,
        // A list, not a map: exporters may repeat a key (the .NET logger repeats scope values).
        attributes = entry.Attributes.Select(a => new { key = a.Key, value = a.ValueText }).ToList(),
    };

    private static IResult Status(SpanStore spans, LogStore logs, MetricStore metrics, IngestCounters ingest, OtlpForwarder forwarder,
        Listeners listeners, IServiceProvider services)
    {
        using var process = Process.GetCurrentProcess();
        var sampler = services.GetService<TailSampler>();
        return Envelope(new
        {
            spans = spans.Stats(),
            logs = logs.Stats(),
            metrics = metrics.Stats(),
            ingest = ingest.Snapshot(),
            sampling = sampler?.Stats(),
            forwarding = forwarder.Stats(),
            memory = new { managedBytes = GC.GetTotalMemory(false), heapBytes = GC.GetGCMemoryInfo().HeapSizeBytes, workingSetBytes = process.WorkingSet64 },
            listeners = new
            {
                query = listeners.UrlOf(ListenerRole.Query),
                otlpHttp = listeners.UrlOf(ListenerRole.OtlpHttp),
                otlpGrpc = listeners.UrlOf(ListenerRole.OtlpGrpc),
            },
        });
    }
}

/// <summary>OTLP severity numbers and their short names (TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20, FATAL 21-24).</summary>
internal static class Severity
{
    private static readonly string[] Names = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

    public static string Name(int number) => number is >= 1 and <= 24 ? Names[(number - 1) / 4] : "UNSPECIFIED";

    /// <summary>A minimum severity from a name (info, warn, warning, error...) or a number; 0 for none.</summary>
    public static int Parse(string text)
    {
        if (text.Length == 0)
        {
            return 0;
        }

        if (int.TryParse(text, out var number) && number is >= 0 and <= 24)
        {
            return number;
        }

        var upper = text.ToUpperInvariant() switch { "WARNING" => "WARN", "CRITICAL" => "FATAL", var other => other };
        var index = Array.IndexOf(Names, upper);
        return index >= 0 ? (index * 4) + 1 : throw new QueryParameterException($"severity '{text}' is not one of trace, debug, info, warn, error, fatal or 1-24");
    }
}
