using Shop.Dashboard.Forwarding;
using Shop.Dashboard.Sampling;
using Shop.Dashboard.Store;
using Shop.Otlp.Collector.Logs.V1;
using Shop.Otlp.Collector.Metrics.V1;
using Shop.Otlp.Collector.Trace.V1;
using Shop.Otlp.Metrics.V1;

namespace Shop.Dashboard.Ingest;

/// <summary>
/// What every receiver (OTLP/HTTP, OTLP/gRPC) does with a decoded export request: convert, reject
/// what is invalid (reported as partial success), sample, store, forward.
/// </summary>
internal sealed class OtlpIngest(
    OtlpConverter converter,
    SpanSink spans,
    LogStore logs,
    MetricStore metrics,
    OtlpForwarder forwarder,
    IngestCounters counters,
    TailSampler? sampler = null)
{
    public IngestCounters Counters => counters;

    public ExportTraceServiceResponse Accept(ExportTraceServiceRequest request)
    {
        var records = new List<SpanRecord>();
        var sources = sampler is not null && spans.NeedsSources ? new List<OtlpSpanSource>() : null;
        var rejected = 0;
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var process = converter.Process(resourceSpans.Resource);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scope = converter.Scope(scopeSpans.Scope);
                foreach (var span in scopeSpans.Spans)
                {
                    if (converter.TryConvert(span, process, scope, out var record))
                    {
                        records.Add(record);
                        sources?.Add(new OtlpSpanSource(resourceSpans.Resource, scopeSpans.Scope, span));
                    }
                    else
                    {
                        rejected++;
                    }
                }
            }
        }

        if (sampler is null)
        {
            spans.Keep(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(records), request);
        }
        else if (records.Count > 0)
        {
            var pending = new List<PendingSpan>(records.Count);
            for (var i = 0; i < records.Count; i++)
            {
                pending.Add(new PendingSpan(records[i], sources?[i]));
            }

            sampler.Offer(pending);
        }

        counters.Count(TelemetrySignal.Traces, records.Count, rejected);
        var response = new ExportTraceServiceResponse();
        if (rejected > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess
            {
                RejectedSpans = rejected,
                ErrorMessage = $"{rejected} span(s) rejected: trace_id must be 16 bytes and span_id 8 bytes, not all zero.",
            };
        }

        return response;
    }

    public ExportLogsServiceResponse Accept(ExportLogsServiceRequest request)
    {
        var entries = new List<LogEntry>();
        // The forwarder says records follow their traces only with tail sampling on, so the sampler is there to hold them.
        var forwarded = forwarder.LogsFollowTraces ? new List<ForwardedLog>() : null;
        var rejected = 0;
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var process = converter.Process(resourceLogs.Resource);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                var scope = converter.Scope(scopeLogs.Scope);
                foreach (var record in scopeLogs.LogRecords)
                {
                    if (converter.TryConvert(record, process, scope, out var entry))
                    {
                        entries.Add(entry);
                        forwarded?.Add(new ForwardedLog(entry.TraceId, entry.SeverityNumber, new OtlpLogSource(resourceLogs.Resource, scopeLogs.Scope, record)));
                    }
                    else
                    {
                        rejected++;
                    }
                }
            }
        }

        logs.Append(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries));
        if (forwarded is null)
        {
            forwarder.Enqueue(TelemetrySignal.Logs, request, entries.Count);
        }
        else
        {
            sampler!.OfferLogs(forwarded);
        }

        counters.Count(TelemetrySignal.Logs, entries.Count, rejected);
        var response = new ExportLogsServiceResponse();
        if (rejected > 0)
        {
            response.PartialSuccess = new ExportLogsPartialSuccess
            {
                RejectedLogRecords = rejected,
                ErrorMessage = $"{rejected} log record(s) rejected: trace_id must be empty or 16 bytes, span_id empty or 8 bytes.",
            };
        }

        return response;
    }

    public ExportMetricsServiceResponse Accept(ExportMetricsServiceRequest request)
    {
        var points = 0;
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var service = converter.Process(resourceMetrics.Resource).ServiceName;
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scopeMetrics.Metrics)
                {
                    points += Add(service, metric);
                }
            }
        }

        forwarder.Enqueue(TelemetrySignal.Metrics, request, points);
        counters.Count(TelemetrySignal.Metrics, points, 0);
        return new ExportMetricsServiceResponse();
    }

    private int Add(string service, Metric metric)
    {
        var pool = converter.Strings;
        var name = pool.Intern(metric.Name);
        var description = pool.Intern(metric.Description);
        var unit = pool.Intern(metric.Unit);
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                foreach (var point in metric.Gauge.DataPoints)
                {
                    metrics.Add(service, name, description, unit, InstrumentType.Gauge, false, false, StoredAttribute.From(point.Attributes, pool), Number(point));
                }

                return metric.Gauge.DataPoints.Count;
            case Metric.DataOneofCase.Sum:
                var cumulativeSum = metric.Sum.AggregationTemporality == AggregationTemporality.Cumulative;
                foreach (var point in metric.Sum.DataPoints)
                {
                    metrics.Add(service, name, description, unit, InstrumentType.Sum, metric.Sum.IsMonotonic, cumulativeSum, StoredAttribute.From(point.Attributes, pool), Number(point));
                }

                return metric.Sum.DataPoints.Count;
            case Metric.DataOneofCase.Histogram:
                var cumulative = metric.Histogram.AggregationTemporality == AggregationTemporality.Cumulative;
                foreach (var point in metric.Histogram.DataPoints)
                {
                    var histogram = new MetricPoint(
                        (long)point.StartTimeUnixNano, (long)point.TimeUnixNano, 0, point.Count, point.HasSum ? point.Sum : 0,
                        [.. point.ExplicitBounds], [.. point.BucketCounts]);
                    metrics.Add(service, name, description, unit, InstrumentType.Histogram, false, cumulative, StoredAttribute.From(point.Attributes, pool), histogram);
                }

                return metric.Histogram.DataPoints.Count;
            case Metric.DataOneofCase.ExponentialHistogram:
                var cumulativeExponential = metric.ExponentialHistogram.AggregationTemporality == AggregationTemporality.Cumulative;
                foreach (var point in metric.ExponentialHistogram.DataPoints)
                {
                    var summary = new MetricPoint((long)point.StartTimeUnixNano, (long)point.TimeUnixNano, 0, point.Count, point.HasSum ? point.Sum : 0, [], []);
                    metrics.Add(service, name, description, unit, InstrumentType.ExponentialHistogram, false, cumulativeExponential, StoredAttribute.From(point.Attributes, pool), summary);
                }

                return metric.ExponentialHistogram.DataPoints.Count;
            case Metric.DataOneofCase.Summary:
                foreach (var point in metric.Summary.DataPoints)
                {
                    var summary = new MetricPoint((long)point.StartTimeUnixNano, (long)point.TimeUnixNano, 0, point.Count, point.Sum, [], []);
                    metrics.Add(service, name, description, unit, InstrumentType.Summary, false, true, StoredAttribute.From(point.Attributes, pool), summary);
                }

                return metric.Summary.DataPoints.Count;
            default:
                return 0;
        }
    }

    private static MetricPoint Number(NumberDataPoint point) => new(
        (long)point.StartTimeUnixNano,
        (long)point.TimeUnixNano,
        point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble,
        0,
        0,
        [],
        []);
}

/// <summary>Per-signal ingest counters: items accepted and rejected, requests refused and why.</summary>
internal sealed class IngestCounters
{
    private readonly long[] _accepted = new long[3];
    private readonly long[] _rejected = new long[3];
    private long _badRequests;
    private long _tooLarge;
    private long _unauthorized;
    private long _busy;
    private long _gzip;

    public void Count(TelemetrySignal signal, int accepted, int rejected)
    {
        Interlocked.Add(ref _accepted[(int)signal], accepted);
        Interlocked.Add(ref _rejected[(int)signal], rejected);
    }

    /// <summary>Spans, log records and data points received so far, accepted or rejected.</summary>
    public long Received()
    {
        long received = 0;
        for (var i = 0; i < _accepted.Length; i++)
        {
            received += Interlocked.Read(ref _accepted[i]) + Interlocked.Read(ref _rejected[i]);
        }

        return received;
    }

    public void BadRequest() => Interlocked.Increment(ref _badRequests);

    public void TooLarge() => Interlocked.Increment(ref _tooLarge);

    public void Unauthorized() => Interlocked.Increment(ref _unauthorized);

    public void Busy() => Interlocked.Increment(ref _busy);

    public void Gzip() => Interlocked.Increment(ref _gzip);

    public IngestStats Snapshot() => new(
        Interlocked.Read(ref _accepted[0]), Interlocked.Read(ref _rejected[0]),
        Interlocked.Read(ref _accepted[1]), Interlocked.Read(ref _rejected[1]),
        Interlocked.Read(ref _accepted[2]), Interlocked.Read(ref _rejected[2]),
        Interlocked.Read(ref _badRequests), Interlocked.Read(ref _tooLarge), Interlocked.Read(ref _unauthorized), Interlocked.Read(ref _busy),
        Interlocked.Read(ref _gzip));
}

internal sealed record IngestStats(
    long SpansAccepted,
    long SpansRejected,
    long LogRecordsAccepted,
    long LogRecordsRejected,
    long DataPointsAccepted,
    long DataPointsRejected,
    long BadRequests,
    long TooLargeRequests,
    long UnauthorizedRequests,
    long BusyRequests,
    long GzipRequests);
