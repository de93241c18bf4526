using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Shop.LoadGenerator.Benchmarks;
using Shop.LoadGenerator.Privacy;
using Xunit.Abstractions;

namespace Shop.LoadGenerator.Tests;

/// <summary>The PII scan against the real suite (the AppHost as the benchmarks and the soak run it).</summary>
public sealed class PiiScanTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    private static readonly string[] ExpectedSources =
    [
        "shop-dashboard traces", "shop-dashboard logs", "shop-dashboard metrics",
        "metrics gateway", "metrics users", "metrics orders", "metrics payments",
        "aspire-dashboard resources", "aspire-dashboard spans", "aspire-dashboard logs",
        "console gateway", "console users", "console orders", "console payments", "console dashboard", "console aspire-dashboard",
    ];

    [Fact]
    public async Task Users_and_checkouts_leave_no_personal_data_in_any_telemetry_source_and_a_planted_record_is_found()
    {
        await using var postgres = await BenchPostgres.StartAsync(CancellationToken.None);
        // The services' own deadlines (2 s per users call and payment attempt) suit production; a starved test machine
        // misses them without that being the behaviour under test (as tests/AppHost.Tests sets them).
        var environment = new Dictionary<string, string?> { ["Gateway__UsersTimeout"] = "00:00:15", ["Orders__Payments__AttemptTimeout"] = "00:00:15" };
        await using var suite = await SuiteProcess.StartAsync("pii", postgres, environment, TextWriter.Null, CancellationToken.None);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var targets = PiiScanTargets.FromEndpointsFile(suite.EndpointsPath);
        var card = "4111 1111 1111 1111";
        var people = new[] { "Ada Lovelace", "Grace Hopper", "Alan Turing" }
            .Select(name => (Name: name, Email: $"{name.Split(' ')[0].ToLowerInvariant()}-{Guid.NewGuid():N}@example.com"))
            .ToList();
        var sent = new SentPii([.. people.Select(p => p.Name)], [.. people.Select(p => p.Email)]);

        // Sign-ups, reads, a checkout each (with a card number in a field the API does not know), a sign-up the gateway
        // refuses and one the database refuses (e-mail taken): their error paths log nothing personal either.
        var bodies = new List<string>();
        var traces = new List<string>();
        foreach (var (name, email) in people)
        {
            var user = await SendAsync(http, HttpMethod.Post, new Uri(suite.Gateway, "/api/users"), JsonSerializer.Serialize(new { name, email }), bodies, traces, HttpStatusCode.Created);
            var userId = user.GetProperty("id").GetString()!;
            await SendAsync(http, HttpMethod.Get, new Uri(suite.Gateway, $"/api/users/{userId}"), null, bodies, traces, HttpStatusCode.OK);
            var order = await SendAsync(http, HttpMethod.Post, new Uri(suite.Gateway, "/api/orders"), JsonSerializer.Serialize(new
            {
                userId,
                currency = "EUR",
                lines = new object[] { new { sku = "BOOK-1", quantity = 1, unitPrice = 12.50m } },
                cardNumber = card,
                cardHolder = name,
            }), bodies, traces, HttpStatusCode.Created);
            await SendAsync(http, HttpMethod.Get, new Uri(suite.Gateway, $"/api/orders/{order.GetProperty("id").GetString()}"), null, bodies, traces, HttpStatusCode.OK);
        }

        await SendAsync(http, HttpMethod.Post, new Uri(suite.Gateway, "/api/users"),
            JsonSerializer.Serialize(new { name = people[0].Name, email = people[0].Email.Replace("@", " at ", StringComparison.Ordinal) }), bodies, traces, HttpStatusCode.BadRequest);
        await SendAsync(http, HttpMethod.Post, new Uri(suite.Gateway, "/api/users"),
            JsonSerializer.Serialize(new { name = people[2].Name, email = people[2].Email }), bodies, traces, HttpStatusCode.Conflict);

        // Every request's trace in both dashboards before the scan.
        foreach (var traceId in traces)
        {
            await WaitUntilAsync(() => OkAsync(http, new Uri(targets.ShopDashboard, $"/api/traces/{traceId}"), null), $"trace {traceId} in the Shop dashboard");
            await WaitUntilAsync(() => OkAsync(http, new Uri(targets.AspireDashboard!, $"/api/telemetry/traces/{traceId}"), targets.AspireApiKey), $"trace {traceId} in the Aspire dashboard");
        }

        // Metrics reach the Shop dashboard at the exporters' interval: scan until every source gave items.
        PiiScanResult clean = null!;
        await WaitUntilAsync(async () =>
        {
            clean = await PiiScan.RunAsync(targets, sent, http, CancellationToken.None);
            return ExpectedSources.All(source => clean.ItemsBySource.GetValueOrDefault(source) > 0);
        }, "items from every source", () => string.Join(", ", clean.ItemsBySource.Select(s => $"{s.Key} {s.Value}")) + "; " + string.Join("; ", clean.Problems));

        output.WriteLine(clean.Summary);
        Assert.True(clean.Findings.Count == 0, string.Join('\n', clean.Findings.Take(20)));
        Assert.Empty(clean.Problems);
        Assert.All(ExpectedSources, source => Assert.True(clean.ItemsBySource.GetValueOrDefault(source) > 0, $"{source}: no items scanned ({clean.Summary})"));
        Assert.StartsWith("pii: 0 e-mail addresses, 0 card-like numbers, 0 full names in ", clean.Summary, StringComparison.Ordinal);

        // Positive controls: the scanner finds what the client sent in the requests themselves...
        var scanner = new PiiScanner(sent.FullNames, sent.Emails);
        var inBodies = bodies.SelectMany(b => scanner.Scan("requests", "body", b)).ToList();
        Assert.Equal(people.Count + 2, inBodies.Count(f => f.Kind == PiiKind.Email)); // the refused ones' too (a local part alone)
        Assert.Equal(people.Count * 2 + 2, inBodies.Count(f => f.Kind == PiiKind.FullName));
        Assert.Equal(people.Count, inBodies.Count(f => f.Kind == PiiKind.CardNumber));

        // ...and a log record with personal data sent through the suite's own OTLP channel is found in both dashboards.
        var planted = $"pii-control-{Guid.NewGuid():N}";
        await PlantLogAsync(http, targets.OtlpHttp!, planted, $"Customer {people[1].Name} <{people[1].Email}> paid with {card}");
        await WaitUntilAsync(() => OkAsync(http, new Uri(targets.AspireDashboard!, $"/api/telemetry/logs?resource={planted}"), targets.AspireApiKey), "the planted log record in the Aspire dashboard");

        var dirty = await PiiScan.RunAsync(targets, sent, http, CancellationToken.None);
        output.WriteLine(dirty.Summary);

        Assert.Equal(["aspire-dashboard logs", "shop-dashboard logs"], dirty.Findings.Select(f => f.Source).Distinct().Order());
        foreach (var source in new[] { "aspire-dashboard logs", "shop-dashboard logs" })
        {
            Assert.Equal([PiiKind.Email, PiiKind.CardNumber, PiiKind.FullName], dirty.Findings.Where(f => f.Source == source).Select(f => f.Kind).Distinct().Order());
        }

        Assert.All(dirty.Findings, f => Assert.DoesNotContain(people[1].Email, f.Excerpt, StringComparison.OrdinalIgnoreCase));
        Assert.StartsWith("pii: 2 e-mail addresses, 2 card-like numbers, 2 full names in ", dirty.Summary, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, Uri url, string? json, List<string> bodies, List<string> traces, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            bodies.Add(json);
        }

        if (method == HttpMethod.Post && url.AbsolutePath == "/api/orders")
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {url.AbsolutePath} answered {(int)response.StatusCode}: {body}");
        Assert.True(response.Headers.TryGetValues("traceresponse", out var values), $"{method} {url.AbsolutePath}: no traceresponse");
        traces.Add(values.Single().Split('-')[1]);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task PlantLogAsync(HttpClient http, Uri otlpHttp, string service, string body)
    {
        var now = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000).ToString(CultureInfo.InvariantCulture);
        var record = new
        {
            resourceLogs = new[]
            {
                new
                {
                    resource = new { attributes = new[] { new { key = "service.name", value = new { stringValue = service } } } },
                    scopeLogs = new[]
                    {
                        new
                        {
                            scope = new { name = service },
                            logRecords = new[] { new { timeUnixNano = now, severityNumber = 9, severityText = "Information", body = new { stringValue = body } } },
                        },
                    },
                },
            },
        };
        using var response = await http.PostAsJsonAsync(new Uri(otlpHttp, "/v1/logs"), record);
        Assert.True(response.IsSuccessStatusCode, $"OTLP/HTTP logs answered {(int)response.StatusCode}");
    }

    private static async Task<bool> OkAsync(HttpClient http, Uri url, string? apiKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (apiKey is not null)
        {
            request.Headers.Add("x-api-key", apiKey);
        }

        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            return false;
        }

        // The Aspire dashboard answers 200 with no items for a resource it does not know yet.
        var json = await response.Content.ReadAsStringAsync();
        return !json.Contains("\"returnedCount\":0", StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, Func<string>? last = null)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {Deadline} for {what}. {last?.Invoke()}");
            }

            await Task.Delay(500);
        }
    }
}
