using System.Net;
using Shop.Conventions;
using Shop.Testing;

namespace Shop.ServiceDefaults.Tests;

/// <summary>/metrics on a service built on ServiceDefaults, started as a process.</summary>
public sealed class PrometheusEndpointTests : IAsyncLifetime
{
    private const string PrometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OtlpReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Metrics_answers_in_the_text_format_by_default_and_in_openmetrics_when_asked()
    {
        await using var service = await TestServiceHost.StartAsync(new Dictionary<string, string?>());
        (await service.Http.GetAsync("/items/1")).EnsureSuccessStatusCode();

        using var text = await service.Http.GetAsync(HealthPaths.Metrics);
        using var om = await Scrape(service, PrometheusAccept);

        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", text.Content.Headers.ContentType?.ToString());
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", await text.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, om.StatusCode);
        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", om.Content.Headers.ContentType?.ToString());
        Assert.EndsWith("# EOF\n", await om.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Accept", om.Headers.Vary);
    }

    [Fact]
    public async Task Openmetrics_exemplar_on_the_request_duration_carries_the_trace_id_of_the_request()
    {
        await using var service = await TestServiceHost.StartAsync(new Dictionary<string, string?>());

        var (response, traceId) = await service.SendTraced(HttpMethod.Get, "/items/7");
        response.EnsureSuccessStatusCode();

        using var om = await Scrape(service, PrometheusAccept);
        var body = await om.Content.ReadAsStringAsync();
        Assert.Contains(body.Split('\n'), line =>
            line.StartsWith("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal)
            && line.Contains("http_route=\"/items/{id}\"", StringComparison.Ordinal)
            && line.Contains($"# {{trace_id=\"{traceId}\",span_id=\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scrapes_and_probes_produce_no_spans_and_no_request_duration_series()
    {
        await using var service = await TestServiceHost.StartAsync(TestServiceHost.Exporting(_receiver));

        var (scrape, scrapeTrace) = await service.SendTraced(HttpMethod.Get, HealthPaths.Metrics);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        (await service.Http.GetAsync(HealthPaths.Ready)).EnsureSuccessStatusCode();

        // Spans are exported in order: once a later request's span is in, the scrape's would be too.
        var (_, laterTrace) = await service.SendTraced(HttpMethod.Get, "/items/1");
        await _receiver.WaitForSpans(s => s.TraceId == laterTrace);
        Assert.DoesNotContain(_receiver.Spans, s => s.TraceId == scrapeTrace);
        Assert.DoesNotContain(_receiver.Spans, s => Equals(s[TelemetryAttributes.UrlPath], HealthPaths.Metrics));

        var exposition = await service.Http.GetStringAsync(HealthPaths.Metrics);
        var durations = exposition.Split('\n').Where(l => l.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)).ToList();
        Assert.Contains(durations, l => l.Contains("http_route=\"/items/{id}\"", StringComparison.Ordinal));
        Assert.DoesNotContain(durations, l => l.Contains("http_route=\"/metrics\"", StringComparison.Ordinal) || l.Contains("http_route=\"/health\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_sdk_disabled_metrics_still_answers_with_an_empty_valid_exposition()
    {
        await using var service = await TestServiceHost.StartAsync(new Dictionary<string, string?> { ["OTEL_SDK_DISABLED"] = "true" });

        using var text = await service.Http.GetAsync(HealthPaths.Metrics);
        using var om = await Scrape(service, PrometheusAccept);

        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.Equal("", await text.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, om.StatusCode);
        Assert.Equal("# EOF\n", await om.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Simultaneous_scrapes_in_both_formats_all_get_complete_expositions()
    {
        await using var service = await TestServiceHost.StartAsync(new Dictionary<string, string?>());
        (await service.Http.GetAsync("/items/1")).EnsureSuccessStatusCode();

        var bodies = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            using var response = await Scrape(service, i % 2 == 0 ? PrometheusAccept : "text/plain");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (OpenMetrics: i % 2 == 0, Body: await response.Content.ReadAsStringAsync());
        }));

        Assert.All(bodies, scrape =>
        {
            Assert.StartsWith(scrape.OpenMetrics ? "# TYPE target info\n" : "# HELP target_info ", scrape.Body, StringComparison.Ordinal);
            Assert.Contains("http_route=\"/items/{id}\"", scrape.Body, StringComparison.Ordinal);
            Assert.Equal(scrape.OpenMetrics, scrape.Body.EndsWith("# EOF\n", StringComparison.Ordinal));
        });
    }

    private static async Task<HttpResponseMessage> Scrape(ServiceProcess service, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, HealthPaths.Metrics);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await service.Http.SendAsync(request);
    }
}
