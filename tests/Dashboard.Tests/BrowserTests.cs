using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using Shop.Dashboard.Tests.Infrastructure;
using Shop.Testing;

namespace Shop.Dashboard.Tests;

/// <summary>
/// The UI in a real browser (Debian's Chromium through Playwright) over traces the real exporter sent:
/// TestService's now, the four services' checkout once they exist (the skipped test at the end).
/// </summary>
[Collection(TracedTrafficDefinition.Name)]
public sealed class BrowserTests(TracedTraffic traffic, DashboardBrowser browser, ITestOutputHelper output) : IClassFixture<DashboardBrowser>
{
    [Fact]
    public async Task Search_a_services_traces_open_one_see_its_spans_in_the_waterfall_and_open_its_logs()
    {
        await using var ui = await browser.OpenAsync(traffic.Dashboard.QueryUrl);
        var traceId = traffic.RelayTraces[0];

        var results = await ui.SearchTracesAsync(TracedTraffic.Frontend, "GET /relay/{id}");
        Assert.Equal(traffic.RelayTraces.Count, await results.CountAsync());
        await Assertions.Expect(results.First).ToContainTextAsync("3 spans");
        await Assertions.Expect(results.First).ToContainTextAsync($"{TracedTraffic.Backend} (1)");

        await ui.OpenTraceFromResultsAsync(traceId);
        Assert.Equal(
            [(TracedTraffic.Frontend, "GET /relay/{id}"), (TracedTraffic.Frontend, "GET"), (TracedTraffic.Backend, "GET /items/{id}")],
            await ui.WaterfallSpansAsync());
        Assert.True(await ui.Page.Locator(".span-row.on-critical-path").CountAsync() >= 2, "the critical path is marked");

        var details = await ui.OpenSpanAsync("GET");
        await Assertions.Expect(details).ToContainTextAsync("http.request.method");
        await Assertions.Expect(details).ToContainTextAsync("Resource");
        await Assertions.Expect(details).ToContainTextAsync("client");

        var logs = await ui.OpenTraceLogsAsync();
        Assert.True(await logs.CountAsync() > 0);
        await Assertions.Expect(ui.Page.Locator(".log-table")).ToContainTextAsync(TracedTraffic.Backend);
        Assert.Empty(ui.Errors);
    }

    [Fact]
    public async Task A_trace_opens_by_url_and_from_a_pasted_traceresponse_header()
    {
        await using var ui = await browser.OpenAsync(traffic.Dashboard.QueryUrl);

        await ui.OpenTraceByUrlAsync(traffic.BoomTrace);
        await Assertions.Expect(ui.Page.Locator(".span-row .error-mark")).ToHaveCountAsync(1);
        await Assertions.Expect(ui.Page.Locator(".trace-header")).ToContainTextAsync("1 error");

        await ui.OpenTraceFromBoxAsync($"00-{traffic.ItemTraces[0]}-0123456789abcdef-01", traffic.ItemTraces[0]);
        Assert.Equal([(TracedTraffic.Frontend, "GET /items/{id}")], await ui.WaterfallSpansAsync());
        Assert.Empty(ui.Errors);
    }

    [Fact]
    public async Task The_logs_page_links_each_record_to_its_trace()
    {
        await using var ui = await browser.OpenAsync(traffic.Dashboard.QueryUrl);
        await ui.Page.GotoAsync($"/logs?service={TracedTraffic.Frontend}&text={Uri.EscapeDataString("Item 3 read")}");

        var link = ui.Page.Locator(".log-table a.trace-link");
        await Assertions.Expect(link).ToHaveCountAsync(1);
        await link.ClickAsync();

        await ui.Page.WaitForURLAsync($"**/trace/{traffic.ItemTraces[2]}?span=*");
        await Assertions.Expect(ui.Page.Locator(".span-row.selected")).ToHaveCountAsync(1);
        Assert.Empty(ui.Errors);
    }

    [Fact]
    public async Task The_dependency_graph_and_the_metrics_page_show_calls_and_routes()
    {
        await using var ui = await browser.OpenAsync(traffic.Dashboard.QueryUrl);

        await ui.Page.GotoAsync("/dependencies");
        var edge = ui.Page.Locator($"#dependency-graph .edge[data-parent=\"{TracedTraffic.Frontend}\"][data-child=\"{TracedTraffic.Backend}\"]");
        await Assertions.Expect(edge).ToContainTextAsync($"{traffic.RelayTraces.Count} calls");

        // A window of an hour: the fixture's requests may be more than five minutes old on a busy machine, and a row
        // that leaves the window between the page's load and the click would take its charts with it.
        await ui.Page.GotoAsync("/metrics?window=1h");
        var items = ui.Page.Locator($"#metrics-routes tbody[data-service=\"{TracedTraffic.Frontend}\"] tr[data-route=\"GET /items/{{id}}\"]");
        await Assertions.Expect(items).ToHaveCountAsync(1);
        await Assertions.Expect(ui.Page.Locator($"#metrics-routes tbody[data-service=\"{TracedTraffic.Frontend}\"] tr[data-route=\"GET /boom\"]")).ToContainTextAsync("100%");
        await Assertions.Expect(ui.Page.Locator("#metrics-instruments")).ToContainTextAsync("http.server.request.duration");

        // Clicking a row charts it over time: rate, error ratio, p50 and p99, each drawn from at least one step.
        await ui.Page.Locator($"#metrics-routes tbody[data-service=\"{TracedTraffic.Frontend}\"] tr[data-route=\"GET /boom\"]").ClickAsync();
        var charts = ui.Page.Locator("#metrics-charts .charts[data-route=\"GET /boom\"]");
        await Assertions.Expect(charts.Locator("figure.chart")).ToHaveCountAsync(3);
        foreach (var (metric, series) in new[] { ("rate", "rate"), ("errors", "errors"), ("latency", "p50"), ("latency", "p99") })
        {
            await Assertions.Expect(charts.Locator($"figure.chart[data-metric={metric}] svg [data-series={series}]")).ToHaveCountAsync(1);
        }

        // GET /boom always fails: its error chart's largest value is 100 %.
        await Assertions.Expect(charts.Locator("figure.chart[data-metric=errors] figcaption")).ToContainTextAsync("100");
        output.WriteLine($"screenshot: {await ui.ScreenshotAsync("metrics-page")}");
        Assert.Empty(ui.Errors);
    }

    [Fact]
    public async Task The_slo_page_shows_each_objective_with_its_budget_burn_chart_and_bad_events()
    {
        await using var ui = await browser.OpenAsync(traffic.Dashboard.QueryUrl);

        await ui.Page.GotoAsync("/slos");

        var availability = ui.Page.Locator("section.slo[data-slo=checkout-availability]");
        await Assertions.Expect(availability).ToContainTextAsync("objective 99%");
        // Two failures in a handful of requests overspend a 1% budget.
        await Assertions.Expect(availability.Locator("td.budget.text-error")).ToContainTextAsync("overspent");
        await Assertions.Expect(availability.Locator("figure.chart[data-metric=burn] svg [data-series=\"6h\"]")).ToHaveCountAsync(1);
        var badEvents = await availability.Locator("a.bad-events").GetAttributeAsync("href");
        Assert.Contains($"service={TracedTraffic.Frontend}", badEvents, StringComparison.Ordinal);
        Assert.Contains("tags=error%3Dtrue", badEvents, StringComparison.Ordinal);
        await Assertions.Expect(ui.Page.Locator("section.slo[data-slo=items-latency]")).ToContainTextAsync("≤ 250 ms");
        output.WriteLine($"screenshot: {await ui.ScreenshotAsync("slo-page")}");
        Assert.Empty(ui.Errors);
    }

    [Fact]
    public async Task The_alerts_page_shows_an_alert_with_its_likely_cause_and_links_to_its_traces_and_logs()
    {
        using var content = new StringContent(AlertWebhookTests.Payload("firing", "00000000feedbeef", DateTimeOffset.UtcNow, null, TracedTraffic.Frontend),
            System.Text.Encoding.UTF8, "application/json");
        using var posted = await traffic.Dashboard.Api.PostAsync("/api/alerts/webhook", content);
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        // The analysis runs after the webhook's answer: open the page once it is done.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (!System.Text.Json.JsonDocument.Parse(await traffic.Dashboard.Api.GetStringAsync("/api/alerts")).RootElement.GetProperty("data").EnumerateArray()
                   .Any(a => a.GetProperty("fingerprint").GetString() == "00000000feedbeef" && a.GetProperty("report").ValueKind == System.Text.Json.JsonValueKind.Object)
               && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await using var ui = await browser.OpenAsync(traffic.Dashboard.QueryUrl);

        await ui.Page.GotoAsync("/alerts");

        var alert = ui.Page.Locator("article.alert[data-status=firing]", new() { HasText = TracedTraffic.Frontend });
        await Assertions.Expect(alert.Locator(".rca-cause")).ToContainTextAsync("GET /boom");
        await Assertions.Expect(alert.Locator($"a.logs-link[href=\"/logs?traceId={traffic.BoomTrace}\"]")).ToHaveCountAsync(1);
        await alert.Locator($"a.trace-link[href=\"/trace/{traffic.BoomTrace}\"]").ClickAsync();
        await Assertions.Expect(ui.Page.Locator(".span-row .error-mark")).ToHaveCountAsync(1);
        Assert.Empty(ui.Errors);
    }

    [Fact]
    public async Task A_checkout_trace_shows_gateway_users_orders_and_payments_in_the_waterfall_and_its_logs()
    {
        await using var dashboard = await DashboardProcess.StartAsync();
        await using var suite = await ShopSuite.StartAsync(SuiteExport.To(dashboard));
        using var register = await suite.Http.PostAsJsonAsync("/api/users", new { name = "Ada Lovelace", email = $"ada-{Guid.NewGuid():N}@example.com" });
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        var userId = (await register.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var checkout = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new { userId, currency = "EUR", lines = new[] { new { sku = "BOOK-1", quantity = 1, unitPrice = 12.5m } } }),
            Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } },
        };
        using var response = await suite.Http.SendAsync(checkout);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var traceId = response.Headers.GetValues("traceresponse").Single().Split('-')[1];
        string[] services = [ShopSuite.Gateway, ShopSuite.Users, ShopSuite.Orders, ShopSuite.Payments];
        await dashboard.WaitForAsync(async () =>
        {
            var trace = await dashboard.WaitForTraceAsync(traceId);
            var processes = trace.GetProperty("processes").EnumerateObject().Select(p => p.Value.GetProperty("serviceName").GetString()).ToHashSet();
            return (services.All(processes.Contains), true);
        }, "spans of all four services", TimeSpan.FromSeconds(30));

        await using var ui = await browser.OpenAsync(dashboard.QueryUrl);
        await ui.SearchTracesAsync(ShopSuite.Gateway, "POST /api/orders");
        await ui.OpenTraceFromResultsAsync(traceId);

        var shown = (await ui.WaterfallSpansAsync()).Select(s => s.Service).ToHashSet();
        Assert.All(services, service => Assert.Contains(service, shown));
        // Four services, four colours, none of them a red a healthy span could be mistaken for an error by.
        var (colors, error) = await ui.WaterfallColorsAsync();
        Assert.Equal(services.Length, services.Select(service => colors[service]).Distinct().Count());
        Assert.All(colors, color => Assert.False(LooksRed(color.Value), $"{color.Key} is drawn in {color.Value}, too close to the error colour {error}"));
        Assert.True(LooksRed(error), error); // the check itself tells red from the rest
        output.WriteLine($"screenshot: {await ui.ScreenshotAsync("checkout-waterfall")}");
        Assert.True(await (await ui.OpenTraceLogsAsync()).CountAsync() > 0);
        Assert.Empty(ui.Errors);
    }

    /// <summary>An rgb(...) colour whose hue is within 25 degrees of red and that is saturated enough to read as red.</summary>
    private static bool LooksRed(string rgb)
    {
        var parts = rgb[(rgb.IndexOf('(', StringComparison.Ordinal) + 1)..rgb.IndexOf(')', StringComparison.Ordinal)].Split(',').Select(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture) / 255).ToArray();
        var (r, g, b) = (parts[0], parts[1], parts[2]);
        var (max, min) = (Math.Max(r, Math.Max(g, b)), Math.Min(r, Math.Min(g, b)));
        if (max - min < 0.25)
        {
            return false; // greys are not red
        }

        var hue = max == r ? 60 * (((g - b) / (max - min) + 6) % 6) : max == g ? 60 * (((b - r) / (max - min)) + 2) : 60 * (((r - g) / (max - min)) + 4);
        return hue <= 25 || hue >= 335;
    }
}

/// <summary>Points every service of a <see cref="ShopSuite"/> at a dashboard (OTLP/gRPC) instead of the suite's in-test receiver.</summary>
public static class SuiteExport
{
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> To(DashboardProcess dashboard) =>
        new[] { ShopSuite.Gateway, ShopSuite.Users, ShopSuite.Orders, ShopSuite.Payments }.ToDictionary(
            service => service,
            IReadOnlyDictionary<string, string?> (_) => new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = dashboard.OtlpGrpcUrl,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            });

}
