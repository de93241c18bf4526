using System.Globalization;
using System.Text.Json;
using Shop.Testing;

namespace Shop.Observability.Tests;

/// <summary>A real Prometheus 2.42 scraping a ServiceDefaults service on loopback, with exemplar storage on.</summary>
public sealed class PrometheusScrapeTests
{
    private const string LatencyP99 = "histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket[1m])))";

    [Fact]
    public async Task Prometheus_scrapes_the_service_as_its_job_and_answers_a_p99_latency_query()
    {
        await using var service = await TestServiceTraffic.StartAsync();
        await using var prometheus = await StartPrometheusAsync(service);

        await WaitForTargetUpAsync(prometheus);

        // Requests keep coming while we wait: rate() needs an increase between two scrapes.
        var p99 = await prometheus.WaitForAsync(async () =>
        {
            await TestServiceTraffic.SendTracedAsync(service, "/items/1");
            var result = await prometheus.QueryAsync(LatencyP99);
            return result.GetArrayLength() == 1 && Value(result[0]) is var value && double.IsFinite(value) && value > 0 ? (object)value : null;
        }, TimeSpan.FromSeconds(60), "a finite p99 of http_server_request_duration_seconds");

        Assert.InRange((double)p99, 0, 10);
        var targetInfo = Assert.Single((await prometheus.QueryAsync($"target_info{{job=\"{TestServiceTraffic.ServiceName}\"}}")).EnumerateArray());
        var labels = targetInfo.GetProperty("metric");
        Assert.Equal(TestServiceTraffic.ServiceName, labels.GetProperty("service_name").GetString());
        Assert.Equal(new Uri(service.BaseUrl).Authority, labels.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task Exemplars_stored_by_prometheus_carry_the_trace_id_of_a_request()
    {
        await using var service = await TestServiceTraffic.StartAsync();
        await using var prometheus = await StartPrometheusAsync(service);
        await WaitForTargetUpAsync(prometheus);

        var traceId = await TestServiceTraffic.SendTracedAsync(service, "/items/42");

        var exemplar = await prometheus.WaitForAsync(async () =>
        {
            var end = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds();
            var start = end - 600;
            var data = await prometheus.GetDataAsync(
                $"/api/v1/query_exemplars?query={Uri.EscapeDataString("http_server_request_duration_seconds_bucket{http_route=\"/items/{id}\"}")}&start={start}&end={end}");
            return data.EnumerateArray()
                .SelectMany(series => series.GetProperty("exemplars").EnumerateArray())
                .Where(e => e.GetProperty("labels").TryGetProperty("trace_id", out var id) && id.GetString() == traceId)
                .Select(e => (object)e.Clone())
                .FirstOrDefault();
        }, TimeSpan.FromSeconds(30), $"an exemplar with trace_id {traceId}");

        var labels = ((JsonElement)exemplar).GetProperty("labels");
        Assert.Matches("^[0-9a-f]{16}$", labels.GetProperty("span_id").GetString());
    }

    private static Task<PrometheusServer> StartPrometheusAsync(ServiceProcess service) =>
        PrometheusServer.StartAsync(
            $"""
             global:
               scrape_interval: 1s
               scrape_timeout: 1s
             scrape_configs:
               # job = the OTEL service name: the contract the SLO rules rely on.
               - job_name: {TestServiceTraffic.ServiceName}
                 static_configs:
                   - targets: ['{new Uri(service.BaseUrl).Authority}']
             """,
            extraArguments: ["--enable-feature=exemplar-storage"]);

    private static Task<string> WaitForTargetUpAsync(PrometheusServer prometheus) =>
        prometheus.WaitForAsync(async () =>
        {
            var targets = (await prometheus.GetDataAsync("/api/v1/targets")).GetProperty("activeTargets");
            return targets.EnumerateArray().Any(t =>
                t.GetProperty("labels").GetProperty("job").GetString() == TestServiceTraffic.ServiceName
                && t.GetProperty("health").GetString() == "up")
                ? "up"
                : null;
        }, TimeSpan.FromSeconds(30), "the testservice target up");

    private static double Value(JsonElement sample) =>
        double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
}
