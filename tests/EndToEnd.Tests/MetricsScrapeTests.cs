using System.Net;
using Shop.Conventions;
using Shop.Testing;

namespace Shop.EndToEnd.Tests;

/// <summary>What Prometheus gets from /metrics of the four real services: a valid exposition with the checkout's exemplars.</summary>
[Collection(SharedSuite.Name)]
public sealed class MetricsScrapeTests(SuiteFixture fixture)
{
    private const string OpenMetrics = "application/openmetrics-text; version=1.0.0";
    private const string HttpServerBuckets = "http_server_request_duration_seconds_bucket{";
    private const string RpcServerBuckets = "rpc_server_call_duration_seconds_bucket{";

    private ShopSuite Suite => fixture.Suite;

    [Fact]
    public async Task After_a_checkout_every_service_passes_promtool_and_has_a_duration_exemplar_with_the_checkout_trace_id()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");
        var userId = await Suite.Http.RegisterUserAsync();
        using var response = await Suite.Http.SendAsync(Api.Checkout(userId, $"metrics-{Guid.NewGuid():N}"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var traceId = Api.TraceIdOf(response);

        // The server histograms the SLOs read, each with the checkout's hop in that service.
        var expected = new Dictionary<string, string>
        {
            [ShopSuite.Gateway] = HttpServerBuckets,
            [ShopSuite.Users] = RpcServerBuckets,
            [ShopSuite.Orders] = HttpServerBuckets,
            [ShopSuite.Payments] = RpcServerBuckets,
        };
        foreach (var (service, buckets) in expected)
        {
            // The text format (what promtool reads) after Npgsql, gRPC and HTTP instruments all have data.
            var text = await Suite[service].Http.GetStringAsync(HealthPaths.Metrics);
            var lint = await ExternalTool.RunAsync(promtool, ["check", "metrics"], standardInput: text);
            Assert.True(lint.ExitCode == 0 && lint.StandardError.Length == 0, $"promtool check metrics on {service}: {lint}");

            // A server records its duration once its response is complete, which can be after the caller has it.
            var exemplar = await EventuallyAsync(async () =>
            {
                using var scrape = new HttpRequestMessage(HttpMethod.Get, HealthPaths.Metrics);
                scrape.Headers.TryAddWithoutValidation("Accept", OpenMetrics);
                using var answer = await Suite[service].Http.SendAsync(scrape);
                return (await answer.Content.ReadAsStringAsync()).Split('\n')
                    .FirstOrDefault(line => line.StartsWith(buckets, StringComparison.Ordinal) && line.Contains($"# {{trace_id=\"{traceId}\",span_id=\"", StringComparison.Ordinal));
            }, TimeSpan.FromSeconds(30));
            Assert.True(exemplar is not null, $"{service}: no {buckets}…}} bucket with an exemplar of trace {traceId}");
        }
    }

    private static async Task<string?> EventuallyAsync(Func<Task<string?>> probe, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = await probe();
            if (found is not null || DateTime.UtcNow >= deadline)
            {
                return found;
            }

            // Polling interval, not a wait for the condition: the deadline bounds the wait.
            await Task.Delay(200);
        }
    }
}
