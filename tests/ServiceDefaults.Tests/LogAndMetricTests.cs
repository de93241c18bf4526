using System.Text.Json;
using Shop.Conventions;
using Shop.Otlp;
using Shop.Testing;

namespace Shop.ServiceDefaults.Tests;

public sealed class LogAndMetricTests : IAsyncLifetime
{
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OtlpReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Log_written_inside_a_request_carries_its_trace_and_span_in_otlp_and_on_the_console()
    {
        await using var service = await TestServiceHost.StartAsync(TestServiceHost.Exporting(_receiver));

        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/77");

        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();
        var log = await _receiver.WaitFor(r => r.Logs.FirstOrDefault(l => Equals(l.Attributes.GetValueOrDefault("ItemId"), "77")), what: "the request's log record");
        Assert.Equal(traceId, log.TraceId);
        Assert.Equal(span.SpanId, log.SpanId);
        Assert.Equal("testservice", log.ServiceName);

        var line = Assert.Single(service.Output, l => l.Contains("Item 77 read", StringComparison.Ordinal));
        Assert.Contains($"trace_id={traceId} span_id={span.SpanId}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_console_format_chosen_by_configuration_carries_trace_and_span_ids()
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment["Logging__Console__FormatterName"] = "shop-json";
        await using var service = await TestServiceHost.StartAsync(environment);

        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/88");

        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();
        var line = await service.WaitForOutputAsync("Item 88 read", TimeSpan.FromSeconds(5));
        using var json = JsonDocument.Parse(line);
        Assert.Equal(traceId, json.RootElement.GetProperty("trace_id").GetString());
        Assert.Equal(span.SpanId, json.RootElement.GetProperty("span_id").GetString());
        Assert.Equal("Information", json.RootElement.GetProperty("level").GetString());
        Assert.Equal("88", json.RootElement.GetProperty("attributes").GetProperty("ItemId").GetString());
    }

    [Fact]
    public async Task Request_duration_histogram_uses_the_slo_buckets_and_links_exemplars_to_traces()
    {
        await using var service = await TestServiceHost.StartAsync(TestServiceHost.Exporting(_receiver));

        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/5");

        var point = await _receiver.WaitFor(r => r.Metrics
            .Where(m => m.Name == TelemetryMetrics.HttpServerRequestDuration && m.Metric.Histogram is not null)
            .SelectMany(m => m.Metric.Histogram.DataPoints)
            .FirstOrDefault(p => p.Exemplars.Any(e => OtlpValues.Hex(e.TraceId) == traceId)), what: "a duration point with the request's exemplar");

        Assert.Equal(TelemetryMetrics.DurationBucketsSeconds, point.ExplicitBounds);
        Assert.Superset(new HashSet<double>([0.1, 0.25, 0.5, 1]), new HashSet<double>(point.ExplicitBounds));
        Assert.Equal("/items/{id}", OtlpValues.ToDictionary(point.Attributes)[TelemetryAttributes.HttpRoute]);
    }
}
