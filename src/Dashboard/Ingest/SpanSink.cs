using Shop.Dashboard.Forwarding;
using Shop.Dashboard.Store;
using Shop.Otlp.Collector.Trace.V1;
using Shop.Otlp.Common.V1;
using Shop.Otlp.Resource.V1;
using Shop.Otlp.Trace.V1;

namespace Shop.Dashboard.Ingest;

/// <summary>A span on its way to the store, with its OTLP form when it must also be forwarded.</summary>
internal readonly struct PendingSpan(SpanRecord record, OtlpSpanSource? source)
{
    public readonly SpanRecord Record = record;

    public readonly OtlpSpanSource? Source = source;

    /// <summary>The same span without its OTLP form: stored, not forwarded.</summary>
    public PendingSpan StoredOnly() => new(Record, null);
}

/// <summary>The OTLP span as received, with the resource and scope it came under.</summary>
internal sealed record OtlpSpanSource(Resource? Resource, InstrumentationScope? Scope, Span Span);

/// <summary>Where kept spans go: the store, and the forwarder when it takes traces.</summary>
internal sealed class SpanSink(SpanStore store, OtlpForwarder forwarder)
{
    public bool NeedsSources => forwarder.Forwards(TelemetrySignal.Traces);

    /// <summary>Spans kept without sampling: stored, and the request forwarded as received.</summary>
    public void Keep(ReadOnlySpan<SpanRecord> records, ExportTraceServiceRequest request)
    {
        store.Append(records);
        if (NeedsSources)
        {
            forwarder.Enqueue(TelemetrySignal.Traces, request, records.Length);
        }
    }

    /// <summary>Spans of traces the sampler kept: stored, and those with their OTLP form forwarded regrouped by resource and scope.</summary>
    public void Keep(List<PendingSpan> spans)
    {
        var records = new SpanRecord[spans.Count];
        var forwarded = 0;
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = spans[i].Record;
            forwarded += spans[i].Source is null ? 0 : 1;
        }

        store.Append(records);
        if (NeedsSources && forwarded > 0)
        {
            forwarder.Enqueue(TelemetrySignal.Traces, Regroup(spans), forwarded);
        }
    }

    private static ExportTraceServiceRequest Regroup(List<PendingSpan> spans)
    {
        var request = new ExportTraceServiceRequest();
        foreach (var byResource in spans.Where(s => s.Source is not null).GroupBy(s => s.Source!.Resource))
        {
            var resourceSpans = new ResourceSpans { Resource = byResource.Key };
            foreach (var byScope in byResource.GroupBy(s => s.Source!.Scope))
            {
                var scopeSpans = new ScopeSpans { Scope = byScope.Key };
                scopeSpans.Spans.AddRange(byScope.Select(s => s.Source!.Span));
                resourceSpans.ScopeSpans.Add(scopeSpans);
            }

            request.ResourceSpans.Add(resourceSpans);
        }

        return request;
    }
}
