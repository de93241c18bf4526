using Google.Protobuf;
using Shop.Dashboard.Ingest;
using Shop.Dashboard.Store;
using Shop.Dashboard.Tests.Infrastructure;
using OtlpSpan = Shop.Otlp.Trace.V1.Span;

namespace Shop.Dashboard.Tests;

/// <summary>The span and log stores: bounded, oldest evicted first, indexes consistent with what is still stored.</summary>
public sealed class StoreTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow;
    private readonly OtlpConverter _converter = new(new StringPool());
    private readonly Random _random = new(99);

    [Fact]
    public void The_store_keeps_at_most_max_spans_and_evicts_the_oldest_first()
    {
        using var store = new SpanStore(capacity: 100);
        var traces = Enumerable.Range(0, 250).Select(i => OtlpRequests.TraceId(_random)).ToList();

        foreach (var (traceId, i) in traces.Select((t, i) => (t, i)))
        {
            store.Append([Record("svc", Span(traceId, $"op-{i}"))]);
        }

        var stats = store.Stats();
        Assert.Equal(100, stats.Spans);
        Assert.Equal(100, stats.Traces);
        Assert.Equal(150, stats.Evicted);
        Assert.All(traces.Take(150), t => Assert.Empty(store.GetTrace(Id(t))));
        Assert.All(traces.Skip(150), t => Assert.Single(store.GetTrace(Id(t))));
    }

    [Fact]
    public void Services_operations_traces_and_attributes_disappear_with_their_last_evicted_span()
    {
        using var store = new SpanStore(capacity: 10);
        var old = OtlpRequests.TraceId(_random);
        for (var i = 0; i < 5; i++)
        {
            store.Append([Record("old", Span(old, "old-op", ("tenant.id", "a")))]);
        }

        var fresh = Enumerable.Range(0, 10).Select(_ => OtlpRequests.TraceId(_random)).ToList();
        foreach (var traceId in fresh)
        {
            store.Append([Record("new", Span(traceId, "new-op", ("tenant.id", "b")))]);
        }

        Assert.Equal(["new"], store.Services());
        Assert.Empty(store.Operations("old"));
        Assert.Equal([("new-op", SpanKind.Server)], store.Operations("new"));
        Assert.Empty(store.GetTrace(Id(old)));
        Assert.Empty(store.FindTraces(Query("old")));
        Assert.Empty(store.FindTraces(Query("new", ("tenant.id", "a"))));
        Assert.Equal(10, store.FindTraces(Query("new", ("tenant.id", "b"))).Count);
        Assert.Equal(10, store.Stats().Traces);
        Assert.Equal(1, store.Stats().IndexedAttributeValues);
    }

    [Fact]
    public void A_trace_partly_evicted_returns_the_spans_still_stored()
    {
        using var store = new SpanStore(capacity: 4);
        var traceId = OtlpRequests.TraceId(_random);
        store.Append([Record("svc", Span(traceId, "first")), Record("svc", Span(traceId, "second")), Record("svc", Span(traceId, "third"))]);
        store.Append([Record("svc", Span(OtlpRequests.TraceId(_random), "other")), Record("svc", Span(OtlpRequests.TraceId(_random), "other"))]);

        var spans = store.GetTrace(Id(traceId));

        Assert.Equal(["second", "third"], spans.Select(s => s.Name).Order());
    }

    [Fact]
    public void A_search_matches_a_trace_only_when_one_span_meets_every_condition()
    {
        using var store = new SpanStore(capacity: 100);
        var traceId = OtlpRequests.TraceId(_random);
        store.Append([Record("svc", Span(traceId, "a", ("k1", "v1"))), Record("svc", Span(traceId, "b", ("k2", "v2")))]);

        Assert.Single(store.FindTraces(Query("svc", ("k1", "v1"))));
        Assert.Empty(store.FindTraces(Query("svc", ("k1", "v1"), ("k2", "v2"))));
        Assert.Single(store.FindTraces(Query("svc", ("k2", "v2")) with { Operation = "b" }));
        Assert.Empty(store.FindTraces(Query("svc", ("k2", "v2")) with { Operation = "a" }));
    }

    [Fact]
    public void A_search_returns_the_most_recent_traces_first_up_to_the_limit()
    {
        using var store = new SpanStore(capacity: 1000);
        var traces = Enumerable.Range(0, 50).Select(_ => OtlpRequests.TraceId(_random)).ToList();
        foreach (var traceId in traces)
        {
            store.Append([Record("svc", Span(traceId, "op", ("shard", "1")))]);
        }

        var found = store.FindTraces(Query("svc", ("shard", "1")) with { Limit = 5 });

        Assert.Equal(traces.TakeLast(5).Reverse().Select(Id), found.Select(t => t[0].TraceId));
    }

    [Fact]
    public void Index_entries_stay_bounded_by_the_stored_spans_however_much_is_ingested()
    {
        using var store = new SpanStore(capacity: 2_000);
        for (var i = 0; i < 40_000; i++)
        {
            // Every span has a unique order id: the worst case for an attribute index.
            store.Append([Record("svc", Span(OtlpRequests.TraceId(_random), "op", ("order.id", Guid.NewGuid().ToString()), ("tenant.id", $"t-{i % 7}")))]);
        }

        var stats = store.Stats();
        Assert.Equal(2_000, stats.Spans);
        Assert.Equal(2_000, stats.Traces);
        Assert.Equal(2_000 + 7, stats.IndexedAttributeValues);
        Assert.Equal(38_000, stats.Evicted);
    }

    [Fact]
    public void The_log_store_is_bounded_and_its_trace_index_follows_eviction()
    {
        using var logs = new LogStore(capacity: 3);
        var process = new SpanProcess("svc", []);
        var first = new TraceId(1, 1);
        var second = new TraceId(2, 2);
        logs.Append([Log(first, "one", process), Log(first, "two", process), Log(second, "three", process), Log(second, "four", process)]);

        Assert.Equal(["two"], logs.Find(new LogQuery(TraceId: first)).Select(l => l.Entry.Body));
        Assert.Equal(["four", "three"], logs.Find(new LogQuery(TraceId: second)).Select(l => l.Entry.Body));
        Assert.Equal(3, logs.Stats().Records);
        Assert.Equal(1, logs.Stats().Evicted);
    }

    private SpanRecord Record(string service, OtlpSpan span)
    {
        var request = OtlpRequests.Request(service, span);
        var resourceSpans = request.ResourceSpans[0];
        Assert.True(_converter.TryConvert(span, _converter.Process(resourceSpans.Resource), _converter.Scope(resourceSpans.ScopeSpans[0].Scope), out var record));
        return record;
    }

    private OtlpSpan Span(ByteString traceId, string name, params (string Key, string Value)[] attributes) =>
        OtlpRequests.Span(traceId, OtlpRequests.SpanId(_random), name, Start, TimeSpan.FromMilliseconds(5), attributes: attributes);

    private static TraceQuery Query(string service, params (string Key, string Value)[] tags) =>
        new(service, null, tags.ToDictionary(t => t.Key, t => t.Value), 0, 0, 0, long.MaxValue, 100);

    private static TraceId Id(ByteString traceId)
    {
        Assert.True(TraceId.TryFrom(traceId, out var id));
        return id;
    }

    private static LogEntry Log(TraceId traceId, string body, SpanProcess process) =>
        new() { TraceId = traceId, Body = body, Process = process, Scope = SpanScope.None, Attributes = [] };
}

/// <summary>Memory measured for the whole test process: run alone, not beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementDefinition
{
    public const string Name = "Memory measurements (not parallel)";
}

[Collection(MemoryMeasurementDefinition.Name)]
public sealed class StoreMemoryTests
{
    [Fact]
    public void Live_memory_stays_flat_while_ten_times_the_capacity_flows_through()
    {
        var random = new Random(17);
        var converter = new OtlpConverter(new StringPool());
        using var store = new SpanStore(capacity: 20_000);
        void Ingest(int spans)
        {
            for (var i = 0; i < spans; i += 100)
            {
                var request = OtlpRequests.Request("svc", Enumerable.Range(0, 100).Select(_ =>
                    OtlpRequests.Span(OtlpRequests.TraceId(random), OtlpRequests.SpanId(random), "GET /orders/{id}", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(3),
                        attributes: [("order.id", Guid.NewGuid().ToString()), ("url.path", $"/orders/{Guid.NewGuid()}"), ("http.request.method", "GET")])));
                var resource = request.ResourceSpans[0];
                var process = converter.Process(resource.Resource);
                var scope = converter.Scope(resource.ScopeSpans[0].Scope);
                var records = resource.ScopeSpans[0].Spans.Select(s => converter.TryConvert(s, process, scope, out var r) ? r : default).ToArray();
                store.Append(records);
            }
        }

        Ingest(20_000);
        var full = LiveBytes();
        Ingest(200_000);
        var afterTenTimes = LiveBytes();

        Assert.Equal(20_000, store.Stats().Spans);
        Assert.True(afterTenTimes < (full * 1.15) + 2_000_000, $"live bytes grew from {full:N0} to {afterTenTimes:N0}");
    }

    private static long LiveBytes()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
