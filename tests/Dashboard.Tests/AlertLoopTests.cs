using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Shop.Dashboard.Tests.Infrastructure;
using Shop.SloRules;
using Shop.Testing;

namespace Shop.Dashboard.Tests;

/// <summary>
/// The whole loop on real parts: the four services (real PostgreSQL) export to the dashboard; a real
/// Prometheus scrapes them and evaluates the test-scaled SLO rules; a real Alertmanager routes the SLO
/// alert to the dashboard's webhook; the dashboard's root-cause analysis names payments' Charge.
/// </summary>
public sealed partial class AlertLoopTests
{
    private const string Charge = "shop.payments.v1.PaymentsService/Charge";
    private const string FaultyTenant = "acme";
    private const string HealthyTenant = "globex";
    private static readonly TimeSpan AlertTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Injected_payment_latency_and_failures_fire_the_checkout_slo_alert_and_its_analysis_names_payments_charge()
    {
        // The test-scaled page looks back 1 min (the nominal 1 h); the analysis window does the same.
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string> { ["Alerts:Lookback"] = "00:01:00" });
        await using var suite = await ShopSuite.StartAsync(SuiteExport.To(dashboard));
        await using var alertmanager = await AlertmanagerServer.StartAsync(AlertmanagerConfigFor(dashboard));
        await using var prometheus = await PrometheusServer.StartAsync(PrometheusConfig(suite, alertmanager),
            new Dictionary<string, string> { ["slos.yml"] = await File.ReadAllTextAsync(RepoPaths.Of("observability", "rules", "test-scaled", "slos.yml")) });

        var users = new Dictionary<string, string>
        {
            [FaultyTenant] = await RegisterUserAsync(suite),
            [HealthyTenant] = await RegisterUserAsync(suite),
        };
        await SetFaultsAsync(suite, new { latencyMs = 700, failureRate = 0.5, tenant = FaultyTenant });

        using var stop = new CancellationTokenSource();
        var traffic = Task.WhenAll(Enumerable.Range(0, 4).Select(worker => DriveCheckoutsAsync(suite, users, worker % 2 == 0 ? FaultyTenant : HealthyTenant, stop.Token)));
        try
        {
            var alert = await dashboard.WaitForAsync(async () =>
            {
                var alerts = (await dashboard.GetJsonAsync("/api/alerts")).GetProperty("data");
                var named = alerts.EnumerateArray().FirstOrDefault(a =>
                    a.GetProperty("labels").TryGetProperty("slo", out var slo) && slo.GetString()!.StartsWith("checkout-", StringComparison.Ordinal)
                    && a.GetProperty("report") is { ValueKind: JsonValueKind.Object } report
                    && report.GetProperty("cause") is { ValueKind: JsonValueKind.Object } cause
                    && cause.GetProperty("service").GetString() == ShopSuite.Payments
                    && cause.GetProperty("operation").GetString() == Charge
                    // Reports are redone on each notification as traces arrive; the bad traces are the faulty tenant's.
                    && report.GetProperty("commonAttributes").EnumerateArray().Any(attribute =>
                        attribute.GetProperty("key").GetString() == "tenant.id" && attribute.GetProperty("value").GetString() == FaultyTenant));
                return (named.ValueKind == JsonValueKind.Object, named.ValueKind == JsonValueKind.Object ? named.Clone() : default);
            }, $"a checkout SLO alert whose analysis names {ShopSuite.Payments} {Charge} and tenant.id={FaultyTenant} in common", AlertTimeout);

            Assert.Equal("firing", alert.GetProperty("status").GetString());
            Assert.Equal(ShopSuite.Gateway, alert.GetProperty("service").GetString());
            var report = alert.GetProperty("report");
            Assert.True(report.GetProperty("traces").GetInt32() > 0);
            // Its sample traces are stored and linkable.
            var sample = report.GetProperty("traceSamples")[0].GetProperty("traceId").GetString()!;
            await dashboard.WaitForTraceAsync(sample);
        }
        catch (TimeoutException e)
        {
            var firing = await prometheus.QueryAsync("ALERTS");
            throw new TimeoutException($"{e.Message}\nPrometheus ALERTS: {firing}\nup: {await prometheus.QueryAsync("up")}\n"
                + $"Dashboard alerts: {await dashboard.GetJsonAsync("/api/alerts")}\nAlertmanager:\n{alertmanager.Output}", e);
        }
        finally
        {
            await stop.CancelAsync();
            await traffic;
        }
    }

    /// <summary>The committed template rendered for this dashboard, with waits short enough for a test.</summary>
    private static string AlertmanagerConfigFor(DashboardProcess dashboard)
    {
        var rendered = AlertmanagerConfig.Render(File.ReadAllText(RepoPaths.Of("observability", "alertmanager.template.yml")), new Uri(dashboard.QueryUrl));
        rendered = GroupWait().Replace(rendered, "${indent}group_wait: 1s");
        rendered = GroupInterval().Replace(rendered, "${indent}group_interval: 1s");
        return RepeatInterval().Replace(rendered, "${indent}repeat_interval: 5s");
    }

    private static string PrometheusConfig(ShopSuite suite, AlertmanagerServer alertmanager)
    {
        var jobs = string.Concat(new[] { ShopSuite.Gateway, ShopSuite.Users, ShopSuite.Orders, ShopSuite.Payments }.Select(service => $"""

              - job_name: {service}
                static_configs:
                  - targets: ['{new Uri(suite[service].BaseUrl).Authority}']
            """));
        return $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: [slos.yml]
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['{alertmanager.Address}']
            scrape_configs:{jobs}
            """;
    }

    // At most one checkout per worker in this interval: the faulty tenant's checkouts take 700 ms or more anyway, and pacing
    // the healthy ones keeps the mix the analysis reads (how many bad traces are the faulty tenant's) the same on a fast
    // machine as on a slow one. Unpaced, a fast suite served so many healthy checkouts that the slowest tenth of all traces
    // (the analysis's bad set) was mostly healthy ones, and tenant.id=acme fell under the coverage a common attribute needs.
    private static readonly TimeSpan CheckoutInterval = TimeSpan.FromMilliseconds(200);

    private static async Task DriveCheckoutsAsync(ShopSuite suite, Dictionary<string, string> users, string tenant, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var next = Task.Delay(CheckoutInterval, stop);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
            {
                Content = JsonContent.Create(new { userId = users[tenant], currency = "EUR", lines = new[] { new { sku = "BOOK-1", quantity = 1, unitPrice = 12.5m } } }),
            };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            request.Headers.Add("X-Tenant-Id", tenant);
            try
            {
                using var response = await suite.Http.SendAsync(request, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stop.IsCancellationRequested)
            {
                // A failed or timed-out checkout is what this test provokes; keep driving.
            }

            try
            {
                await next;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static async Task<string> RegisterUserAsync(ShopSuite suite)
    {
        using var response = await suite.Http.PostAsJsonAsync("/api/users", new { name = "Ada Lovelace", email = $"ada-{Guid.NewGuid():N}@example.com" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task SetFaultsAsync(ShopSuite suite, object settings)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/faults") { Content = JsonContent.Create(settings) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ShopSuite.PaymentsAdminToken);
        using var response = await suite[ShopSuite.Payments].Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [GeneratedRegex(@"(?<indent>^\s*)group_wait: \S+", RegexOptions.Multiline)]
    private static partial Regex GroupWait();

    [GeneratedRegex(@"(?<indent>^\s*)group_interval: \S+", RegexOptions.Multiline)]
    private static partial Regex GroupInterval();

    [GeneratedRegex(@"(?<indent>^\s*)repeat_interval: \S+", RegexOptions.Multiline)]
    private static partial Regex RepeatInterval();
}
