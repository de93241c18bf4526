using System.Net;
using System.Text.Json;
using Shop.Dashboard.Tests.Infrastructure;

namespace Shop.Dashboard.Tests;

/// <summary>The UI's own APIs over real exporter traffic: logs by trace, span, service, severity and text; metrics per route.</summary>
[Collection(TracedTrafficDefinition.Name)]
public sealed class LogsAndMetricsApiTests(TracedTraffic traffic)
{
    private DashboardProcess Dashboard => traffic.Dashboard;

    [Fact]
    public async Task Logs_of_a_trace_carry_its_trace_and_span_ids_newest_first()
    {
        var trace = await Dashboard.WaitForTraceAsync(traffic.BoomTrace);
        var spanId = trace.GetProperty("spans")[0].GetProperty("spanID").GetString();

        var logs = await Logs($"/api/logs?traceId={traffic.BoomTrace}");

        Assert.NotEmpty(logs);
        Assert.All(logs, l => Assert.Equal(traffic.BoomTrace, l.GetProperty("traceID").GetString()));
        Assert.Contains(logs, l => l.GetProperty("spanID").GetString() == spanId);
        Assert.Contains(logs, l => l.GetProperty("severity").GetString() == "ERROR" && l.GetProperty("body").GetString()!.Contains("unhandled exception", StringComparison.Ordinal));
        var times = logs.Select(l => l.GetProperty("timestamp").GetInt64()).ToList();
        Assert.Equal(times.OrderDescending(), times);
    }

    [Fact]
    public async Task Logs_of_a_trace_across_services_include_records_with_repeated_attribute_keys()
    {
        var logs = await Logs($"/api/logs?traceId={traffic.RelayTraces[0]}&limit=1000");

        Assert.Contains(logs, l => l.GetProperty("service").GetString() == TracedTraffic.Backend);
        Assert.Contains(logs, l => l.GetProperty("scope").GetString()!.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_filter_by_span_service_severity_and_text()
    {
        var trace = await Dashboard.WaitForTraceAsync(traffic.ItemTraces[0]);
        var spanId = trace.GetProperty("spans")[0].GetProperty("spanID").GetString();

        var bySpan = await Logs($"/api/logs?spanId={spanId}");
        var byText = await Logs($"/api/logs?service={TracedTraffic.Frontend}&text={Uri.EscapeDataString("item 2 read")}");
        var errors = await Logs($"/api/logs?service={TracedTraffic.Frontend}&severity=error");
        var (status, _) = await GetStatus("/api/logs?severity=loud");

        Assert.NotEmpty(bySpan);
        Assert.All(bySpan, l => Assert.Equal(spanId, l.GetProperty("spanID").GetString()));
        var item = Assert.Single(byText);
        Assert.Equal(traffic.ItemTraces[1], item.GetProperty("traceID").GetString());
        Assert.Equal("Item 2 read", item.GetProperty("body").GetString());
        Assert.NotEmpty(errors);
        Assert.All(errors, l => Assert.True(l.GetProperty("severityNumber").GetInt32() >= 17));
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Logs_page_with_a_cursor_without_repeating_records()
    {
        var first = await Logs($"/api/logs?service={TracedTraffic.Frontend}&limit=3");
        var second = await Logs($"/api/logs?service={TracedTraffic.Frontend}&limit=3&before={first[^1].GetProperty("seq").GetInt64()}");

        Assert.Equal(3, first.Count);
        Assert.NotEmpty(second);
        Assert.Empty(first.Select(l => l.GetProperty("seq").GetInt64()).Intersect(second.Select(l => l.GetProperty("seq").GetInt64())));
        Assert.True(second[0].GetProperty("seq").GetInt64() < first[^1].GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Metrics_give_rate_error_ratio_and_percentiles_per_service_and_route()
    {
        var routes = (await Dashboard.GetJsonAsync("/api/metrics/routes?window=5m")).GetProperty("data").EnumerateArray().ToList();

        var items = routes.Single(r => r.GetProperty("service").GetString() == TracedTraffic.Frontend && r.GetProperty("route").GetString() == "GET /items/{id}");
        Assert.Equal("http", items.GetProperty("kind").GetString());
        Assert.True(items.GetProperty("requests").GetDouble() >= traffic.ItemTraces.Count);
        Assert.True(items.GetProperty("ratePerSecond").GetDouble() > 0);
        Assert.Equal(0, items.GetProperty("errorRatio").GetDouble());
        var p50 = items.GetProperty("p50Seconds").GetDouble();
        var p99 = items.GetProperty("p99Seconds").GetDouble();
        Assert.InRange(p50, 0, 10);
        Assert.True(p99 >= p50);

        var boom = routes.Single(r => r.GetProperty("service").GetString() == TracedTraffic.Frontend && r.GetProperty("route").GetString() == "GET /boom");
        Assert.Equal(1, boom.GetProperty("errorRatio").GetDouble());
        var backend = routes.Where(r => r.GetProperty("service").GetString() == TracedTraffic.Backend).Select(r => r.GetProperty("route").GetString()).ToList();
        Assert.Contains("GET /items/{id}", backend);
    }

    [Fact]
    public async Task Metrics_history_gives_each_route_its_figures_step_by_step()
    {
        var history = (await Dashboard.GetJsonAsync("/api/metrics/routes/history?window=1h&step=4m")).GetProperty("data").EnumerateArray().ToList();

        var boom = history.Single(r => r.GetProperty("service").GetString() == TracedTraffic.Frontend && r.GetProperty("route").GetString() == "GET /boom");
        Assert.Equal(240, boom.GetProperty("stepSeconds").GetDouble());
        var points = boom.GetProperty("points").EnumerateArray().ToList();
        Assert.NotEmpty(points);
        Assert.All(points, p => Assert.Equal(1, p.GetProperty("errorRatio").GetDouble()));
        Assert.Equal(points.Select(p => p.GetProperty("time").GetInt64()).Order(), points.Select(p => p.GetProperty("time").GetInt64()));
        // The steps add up to the window's figure: every request of the window falls in one step.
        var window = (await Dashboard.GetJsonAsync("/api/metrics/routes?window=1h")).GetProperty("data").EnumerateArray()
            .Single(r => r.GetProperty("service").GetString() == TracedTraffic.Frontend && r.GetProperty("route").GetString() == "GET /boom");
        Assert.Equal(window.GetProperty("requests").GetDouble(), points.Sum(p => p.GetProperty("ratePerSecond").GetDouble() * 240), 6);
    }

    [Fact]
    public async Task Slos_give_the_budget_left_and_burn_rates_from_the_same_requests_as_the_metrics()
    {
        var slos = (await Dashboard.GetJsonAsync("/api/slos")).GetProperty("data").EnumerateArray().ToList();
        var routes = (await Dashboard.GetJsonAsync("/api/metrics/routes?window=7h")).GetProperty("data").EnumerateArray()
            .Where(r => r.GetProperty("service").GetString() == TracedTraffic.Frontend).ToList();

        Assert.Equal(["checkout-availability", "items-latency"], slos.Select(s => s.GetProperty("status").GetProperty("name").GetString()));
        // Availability: every frontend request is eligible, the 500 of /boom and the 503 are bad.
        var availability = slos[0].GetProperty("status");
        var requests = routes.Sum(r => r.GetProperty("requests").GetDouble());
        var bad = routes.Sum(r => r.GetProperty("requests").GetDouble() * r.GetProperty("errorRatio").GetDouble());
        Assert.Equal(requests, availability.GetProperty("requests").GetDouble(), 6);
        Assert.Equal(bad, availability.GetProperty("badRequests").GetDouble(), 6);
        Assert.True(bad >= 2, $"bad {bad}");
        var ratio = bad / requests;
        Assert.Equal(1 - (ratio / 0.01), availability.GetProperty("budgetRemaining").GetDouble(), 6); // overspent: negative
        Assert.Equal(ratio / 0.01, availability.GetProperty("burnRates").GetProperty("6h").GetDouble(), 6);
        Assert.Equal(12, availability.GetProperty("history").GetArrayLength());

        // Latency: only GET /items/{id} is eligible.
        var latency = slos[1].GetProperty("status");
        var items = routes.Single(r => r.GetProperty("route").GetString() == "GET /items/{id}").GetProperty("requests").GetDouble();
        Assert.Equal(items, latency.GetProperty("requests").GetDouble(), 6);
        Assert.InRange(latency.GetProperty("badRequests").GetDouble(), 0, items);
    }

    [Fact]
    public async Task Instruments_and_their_series_are_listed_per_service()
    {
        var instruments = (await Dashboard.GetJsonAsync($"/api/metrics/instruments?service={TracedTraffic.Frontend}")).GetProperty("data").EnumerateArray().ToList();
        var series = (await Dashboard.GetJsonAsync($"/api/metrics/series?service={TracedTraffic.Frontend}&name=http.server.request.duration")).GetProperty("data").EnumerateArray().ToList();

        var duration = instruments.Single(i => i.GetProperty("name").GetString() == "http.server.request.duration");
        Assert.Equal("Histogram", duration.GetProperty("type").GetString());
        Assert.Equal("s", duration.GetProperty("unit").GetString());
        Assert.Equal("cumulative", duration.GetProperty("temporality").GetString());
        Assert.Contains(series, s => s.GetProperty("attributes").TryGetProperty("http.route", out var route) && route.GetString() == "/boom");
        Assert.All(series, s => Assert.True(s.GetProperty("latest").GetProperty("count").GetInt64() >= 1));
    }

    private async Task<List<JsonElement>> Logs(string path)
    {
        var body = await Dashboard.GetJsonAsync(path);
        JaegerApiTests.AssertEnvelope(body);
        return body.GetProperty("data").EnumerateArray().ToList();
    }

    private async Task<(HttpStatusCode Status, string Body)> GetStatus(string path)
    {
        using var response = await Dashboard.Api.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
