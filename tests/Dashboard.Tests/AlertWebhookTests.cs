using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Shop.Dashboard.Tests.Infrastructure;

namespace Shop.Dashboard.Tests;

/// <summary>POST /api/alerts/webhook takes Alertmanager's webhook payload (version 4) behind the dashboard's API key.</summary>
public sealed class AlertWebhookTests(AlertWebhookTests.KeyedDashboard fixture) : IClassFixture<AlertWebhookTests.KeyedDashboard>
{
    private const string Key = "webhook-key-7d1e";

    private DashboardProcess Dashboard => fixture.Dashboard;

    [Fact]
    public async Task A_firing_then_resolved_notification_is_kept_as_one_alert_with_its_analysis()
    {
        var fingerprint = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..16];
        var startsAt = DateTimeOffset.UtcNow.AddSeconds(-30);

        using var firing = await PostAsync(Payload("firing", fingerprint, startsAt, endsAt: null), Key);
        // Recorded and queued; the analysis runs after the answer.
        Assert.Equal(HttpStatusCode.Accepted, firing.StatusCode);
        var answer = JsonDocument.Parse(await firing.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((1, 1), (answer.GetProperty("received").GetInt32(), answer.GetProperty("queued").GetInt32()));

        var alert = await AnalysedAlertAsync(fingerprint);
        Assert.False(alert.GetProperty("analysisPending").GetBoolean());
        Assert.Equal("firing", alert.GetProperty("status").GetString());
        Assert.Equal("ErrorBudgetBurn", alert.GetProperty("alertName").GetString());
        Assert.Equal("gateway", alert.GetProperty("service").GetString());
        Assert.Equal("checkout-availability", alert.GetProperty("labels").GetProperty("slo").GetString());
        Assert.Equal("dashboard", alert.GetProperty("receiver").GetString());
        var report = alert.GetProperty("report");
        Assert.Equal("gateway", report.GetProperty("service").GetString());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("cause").ValueKind);
        Assert.Contains("No traces of gateway", report.GetProperty("summary").GetString(), StringComparison.Ordinal);
        // The window reaches back the configured lookback (1 h) before the alert started.
        Assert.Equal(startsAt.AddHours(-1).ToUnixTimeMilliseconds() * 1000, report.GetProperty("start").GetInt64());

        using var resolved = await PostAsync(Payload("resolved", fingerprint, startsAt, endsAt: DateTimeOffset.UtcNow), Key);
        Assert.Equal(HttpStatusCode.Accepted, resolved.StatusCode);
        // A resolved alert already analysed is not analysed again.
        Assert.Equal(0, JsonDocument.Parse(await resolved.Content.ReadAsStringAsync()).RootElement.GetProperty("queued").GetInt32());
        var after = await AlertAsync(fingerprint);
        Assert.Equal("resolved", after.GetProperty("status").GetString());
        Assert.Equal(2, after.GetProperty("notifications").GetInt32());
        Assert.Equal(alert.GetProperty("id").GetString(), after.GetProperty("id").GetString());

        var byId = await GetAsync($"/api/alerts/{after.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.OK, byId.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Without_the_api_key_as_bearer_token_the_webhook_answers_401(string? key)
    {
        using var response = await PostAsync(Payload("firing", "0123456789abcdef", DateTimeOffset.UtcNow, null), key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Malformed_json_is_refused_with_a_400_problem()
    {
        using var response = await PostAsync("{\"version\": \"4\", \"alerts\": [", Key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Malformed JSON", problem.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("""{"version":"3","receiver":"r","status":"firing","alerts":[]}""", "version")]
    [InlineData("""{"version":"4","receiver":"r","status":"firing"}""", "alerts")]
    [InlineData("""{"version":"4","receiver":"r","status":"burning","alerts":[]}""", "status")]
    [InlineData("""{"version":"4","receiver":"r","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"yesterday","fingerprint":"ab"}]}""", "alerts[0].startsAt")]
    [InlineData("""{"version":"4","receiver":"r","status":"firing","alerts":[{"status":"firing","labels":{"alertname":1},"startsAt":"2026-01-01T00:00:00Z","fingerprint":"ab"}]}""", "alerts[0].labels.alertname")]
    [InlineData("""{"version":"4","receiver":"r","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-01-01T00:00:00Z","fingerprint":"not hex"}]}""", "alerts[0].fingerprint")]
    [InlineData("""[1, 2]""", "$")]
    public async Task A_payload_that_is_not_alertmanagers_is_refused_with_a_400_naming_the_field(string body, string field)
    {
        using var response = await PostAsync(body, Key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Unknown_alerts_answer_404_and_an_analysis_needs_a_service()
    {
        using var unknown = await GetAsync("/api/alerts/ffff-1");
        using var noService = await GetAsync("/api/rca");
        using var onDemand = await GetAsync("/api/rca?service=gateway&lookback=5m");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noService.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onDemand.StatusCode);
    }

    /// <summary>What Alertmanager 0.25 posts for one alert of the checkout-availability page (its field set and formats).</summary>
    internal static string Payload(string status, string fingerprint, DateTimeOffset startsAt, DateTimeOffset? endsAt, string service = "gateway")
    {
        var labels = new Dictionary<string, string>
        {
            ["alertname"] = "ErrorBudgetBurn", ["service"] = service, ["severity"] = "page", ["slo"] = "checkout-availability",
        };
        return JsonSerializer.Serialize(new
        {
            receiver = "dashboard",
            status,
            alerts = new[]
            {
                new
                {
                    status,
                    labels,
                    annotations = new Dictionary<string, string> { ["summary"] = "SLO checkout-availability (gateway): error budget burn rate 42.0" },
                    startsAt = startsAt.ToString("O"),
                    endsAt = endsAt?.ToString("O") ?? "0001-01-01T00:00:00Z",
                    generatorURL = "http://127.0.0.1:9090/graph?g0.expr=slo%3Asli_error%3Aratio_rate1h",
                    fingerprint,
                },
            },
            groupLabels = new Dictionary<string, string> { ["alertname"] = "ErrorBudgetBurn", ["service"] = service, ["slo"] = "checkout-availability" },
            commonLabels = labels,
            commonAnnotations = new Dictionary<string, string>(),
            externalURL = "http://127.0.0.1:9093",
            version = "4",
            groupKey = "{}/{slo=~\".+\",severity=\"page\"}:{alertname=\"ErrorBudgetBurn\", service=\"gateway\", slo=\"checkout-availability\"}",
            truncatedAlerts = 0,
        });
    }

    /// <summary>The alert once its queued analysis is done (a generous deadline: the machine may be busy).</summary>
    private async Task<JsonElement> AnalysedAlertAsync(string fingerprint)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            var alert = await AlertAsync(fingerprint);
            if (alert.GetProperty("report").ValueKind == JsonValueKind.Object || DateTimeOffset.UtcNow > deadline)
            {
                return alert;
            }

            await Task.Delay(100);
        }
    }

    private async Task<JsonElement> AlertAsync(string fingerprint)
    {
        using var response = await GetAsync("/api/alerts");
        var alerts = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        return alerts.EnumerateArray().Single(a => a.GetProperty("fingerprint").GetString() == fingerprint).Clone();
    }

    private Task<HttpResponseMessage> GetAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-api-key", Key);
        return Dashboard.Api.SendAsync(request);
    }

    private Task<HttpResponseMessage> PostAsync(string json, string? bearer)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts/webhook") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return Dashboard.Api.SendAsync(request);
    }

    /// <summary>One dashboard with an API key for the class.</summary>
    public sealed class KeyedDashboard : IAsyncLifetime
    {
        public DashboardProcess Dashboard { get; private set; } = null!;

        public async Task InitializeAsync() => Dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string> { ["ApiKey"] = Key });

        public async Task DisposeAsync()
        {
            if (Dashboard is not null)
            {
                await Dashboard.DisposeAsync();
            }
        }
    }
}
