using System.Net;
using System.Text.Json;
using Shop.Dashboard.Tests.Infrastructure;

namespace Shop.Dashboard.Tests;

/// <summary>The query API answers with the shapes of jaeger-query's HTTP JSON API, over traces the real exporter sent.</summary>
[Collection(TracedTrafficDefinition.Name)]
public sealed class JaegerApiTests(TracedTraffic traffic)
{
    private DashboardProcess Dashboard => traffic.Dashboard;

    [Fact]
    public async Task Services_lists_every_service_in_jaegers_envelope()
    {
        var body = await Dashboard.GetJsonAsync("/api/services");

        AssertEnvelope(body);
        var services = body.GetProperty("data").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains(TracedTraffic.Frontend, services);
        Assert.Contains(TracedTraffic.Backend, services);
        Assert.Equal(services.Count, body.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Operations_list_names_with_span_kinds_and_filter_by_kind()
    {
        var all = await Dashboard.GetJsonAsync($"/api/operations?service={TracedTraffic.Frontend}");
        var servers = await Dashboard.GetJsonAsync($"/api/operations?service={TracedTraffic.Frontend}&spanKind=server");
        var legacy = await Dashboard.GetJsonAsync($"/api/services/{TracedTraffic.Frontend}/operations");

        AssertEnvelope(all);
        var operations = all.GetProperty("data").EnumerateArray().Select(o => (o.GetProperty("name").GetString(), o.GetProperty("spanKind").GetString())).ToList();
        Assert.Contains(("GET /items/{id}", "server"), operations);
        Assert.Contains(("GET", "client"), operations);
        Assert.All(servers.GetProperty("data").EnumerateArray(), o => Assert.Equal("server", o.GetProperty("spanKind").GetString()));
        Assert.Contains("GET /relay/{id}", legacy.GetProperty("data").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task Operations_without_a_service_is_a_400_with_jaegers_message()
    {
        var (status, body) = await GetAsync("/api/operations");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, 400, "parameter 'service' is required");
    }

    [Fact]
    public async Task Trace_by_id_has_jaegers_trace_span_and_process_shape()
    {
        var traceId = traffic.RelayTraces[0];
        var body = await Dashboard.GetJsonAsync($"/api/traces/{traceId}");

        AssertEnvelope(body);
        var trace = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal(traceId, trace.GetProperty("traceID").GetString());
        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal(3, spans.Count);
        var processes = trace.GetProperty("processes");
        foreach (var span in spans)
        {
            Assert.Equal(traceId, span.GetProperty("traceID").GetString());
            Assert.Matches("^[0-9a-f]{16}$", span.GetProperty("spanID").GetString());
            Assert.Equal(JsonValueKind.String, span.GetProperty("operationName").ValueKind);
            Assert.Equal(JsonValueKind.Array, span.GetProperty("references").ValueKind);
            Assert.Equal(JsonValueKind.Array, span.GetProperty("logs").ValueKind);

            // Jaeger's times are microseconds: a 2026 start is about 1.8e15.
            Assert.InRange(span.GetProperty("startTime").GetInt64(), 1_600_000_000_000_000, 4_000_000_000_000_000);
            Assert.InRange(span.GetProperty("duration").GetInt64(), 0, 60_000_000);
            foreach (var tag in span.GetProperty("tags").EnumerateArray())
            {
                Assert.Equal(JsonValueKind.String, tag.GetProperty("key").ValueKind);
                Assert.Contains(tag.GetProperty("type").GetString(), new[] { "string", "bool", "int64", "float64", "binary" });
                Assert.True(tag.TryGetProperty("value", out _));
            }

            var process = processes.GetProperty(span.GetProperty("processID").GetString()!);
            Assert.Contains(process.GetProperty("serviceName").GetString(), new[] { TracedTraffic.Frontend, TracedTraffic.Backend });
            Assert.Contains(process.GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "telemetry.sdk.language");
            Assert.DoesNotContain(process.GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "service.name");
        }

        // The backend's server span is a CHILD_OF the frontend's client span, which is a CHILD_OF the frontend's server span.
        var server = spans.Single(s => s.GetProperty("operationName").GetString() == "GET /relay/{id}");
        var client = spans.Single(s => s.GetProperty("operationName").GetString() == "GET");
        var backend = spans.Single(s => s.GetProperty("operationName").GetString() == "GET /items/{id}");
        Assert.Equal(server.GetProperty("spanID").GetString(), Reference(client, "CHILD_OF"));
        Assert.Equal(client.GetProperty("spanID").GetString(), Reference(backend, "CHILD_OF"));
        Assert.Equal("client", Tag(client, "span.kind").GetString());
        Assert.Equal("server", Tag(backend, "span.kind").GetString());
        Assert.Equal("int64", TagType(backend, "http.response.status_code"));
        Assert.Equal(200, Tag(backend, "http.response.status_code").GetInt64());
        Assert.Equal("System.Net.Http", Tag(client, "otel.scope.name").GetString());
        Assert.Equal(2, processes.EnumerateObject().Count());
    }

    [Fact]
    public async Task An_exception_becomes_error_tags_and_an_event_log()
    {
        var trace = await Dashboard.WaitForTraceAsync(traffic.BoomTrace);

        var span = Assert.Single(trace.GetProperty("spans").EnumerateArray());
        Assert.True(Tag(span, "error").GetBoolean());
        Assert.Equal("bool", TagType(span, "error"));
        Assert.Equal("ERROR", Tag(span, "otel.status_code").GetString());
        Assert.Equal("System.InvalidOperationException", Tag(span, "error.type").GetString());
        var log = Assert.Single(span.GetProperty("logs").EnumerateArray());
        var fields = log.GetProperty("fields").EnumerateArray().ToList();
        Assert.Equal("event", fields[0].GetProperty("key").GetString());
        Assert.Equal("exception", fields[0].GetProperty("value").GetString());
        Assert.Contains(fields, f => f.GetProperty("key").GetString() == "exception.type" && f.GetProperty("value").GetString() == "System.InvalidOperationException");
        Assert.True(log.GetProperty("timestamp").GetInt64() >= span.GetProperty("startTime").GetInt64());
    }

    [Fact]
    public async Task Unknown_trace_is_a_404_and_a_malformed_id_a_400_in_jaegers_error_shape()
    {
        var (missing, missingBody) = await GetAsync("/api/traces/0123456789abcdef0123456789abcdef");
        var (malformed, malformedBody) = await GetAsync("/api/traces/not-a-trace-id");

        Assert.Equal(HttpStatusCode.NotFound, missing);
        AssertError(missingBody, 404, "trace not found");
        Assert.Equal(HttpStatusCode.BadRequest, malformed);
        Assert.Equal(400, malformedBody.GetProperty("errors")[0].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Search_by_tag_accepts_jaegers_json_tags_and_repeated_tag_parameters()
    {
        var json = Uri.EscapeDataString("{\"http.route\":\"/status/{code:int}\",\"http.response.status_code\":\"503\"}");
        var byJson = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&tags={json}");
        var byTag = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&tag=http.route:/status/{{code:int}}&tag=http.response.status_code:503");
        var derived = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&tag=error:true");
        var none = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&tag=http.response.status_code:418");

        Assert.Equal([traffic.UnavailableTrace], byJson);
        Assert.Equal([traffic.UnavailableTrace], byTag);
        Assert.Contains(traffic.BoomTrace, derived);
        Assert.DoesNotContain(traffic.ItemTraces[0], derived);
        Assert.Empty(none);
    }

    [Fact]
    public async Task Search_by_operation_and_resource_tag_finds_the_traces_of_that_operation()
    {
        var items = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&operation={Uri.EscapeDataString("GET /items/{id}")}&tag=telemetry.sdk.language:dotnet");

        Assert.Equal(traffic.ItemTraces.Order(), items.Order());
    }

    [Fact]
    public async Task Search_by_duration_takes_go_durations_and_rejects_an_inverted_range()
    {
        var atLeastAnHour = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&minDuration=1h");
        var upToAnHour = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&minDuration=1us&maxDuration=1h0m0.5s");
        var (status, body) = await GetAsync($"/api/traces?service={TracedTraffic.Frontend}&minDuration=2s&maxDuration=1.5s");

        Assert.Empty(atLeastAnHour);
        Assert.Contains(traffic.BoomTrace, upToAnHour);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, 400, "'maxDuration' should be greater than 'minDuration'");
    }

    [Fact]
    public async Task Search_honours_start_and_end_in_microseconds_and_lookback()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var lastHour = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&start={now - 3_600_000_000}&end={now + 60_000_000}");
        var yesterday = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&start={now - 86_400_000_000}&end={now - 82_800_000_000}");
        var lookback = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&lookback=1h");

        Assert.Contains(traffic.BoomTrace, lastHour);
        Assert.Empty(yesterday);
        Assert.Contains(traffic.BoomTrace, lookback);
    }

    [Fact]
    public async Task Search_by_trace_ids_returns_them_and_names_the_missing_one()
    {
        var missing = "00000000000000000000000000000abc";
        var body = await Dashboard.GetJsonAsync($"/api/traces?traceID={traffic.ItemTraces[0]}&traceID={traffic.BoomTrace}&traceID={missing}");

        var found = body.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("traceID").GetString()).ToList();
        Assert.Equal([traffic.ItemTraces[0], traffic.BoomTrace], found);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("trace not found", error.GetProperty("msg").GetString());
        Assert.Equal("abc", error.GetProperty("traceID").GetString()!.TrimStart('0'));
    }

    [Fact]
    public async Task Search_limit_caps_the_number_of_traces_and_service_is_required()
    {
        var two = await TraceIds($"/api/traces?service={TracedTraffic.Frontend}&limit=2");
        var (status, body) = await GetAsync("/api/traces?limit=2");

        Assert.Equal(2, two.Count);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertError(body, 400, "parameter 'service' is required");
    }

    [Fact]
    public async Task Dependencies_count_client_to_server_calls_between_services()
    {
        var body = await Dashboard.GetJsonAsync($"/api/dependencies?endTs={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000}&lookback=3600000");

        AssertEnvelope(body);
        var link = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal(TracedTraffic.Frontend, link.GetProperty("parent").GetString());
        Assert.Equal(TracedTraffic.Backend, link.GetProperty("child").GetString());
        Assert.Equal(traffic.RelayTraces.Count, link.GetProperty("callCount").GetInt64());
    }

    [Theory]
    [InlineData("/api/traces?service=frontend&limit=many")]
    [InlineData("/api/traces?service=frontend&limit=-3")]
    [InlineData("/api/traces?service=frontend&start=yesterday")]
    [InlineData("/api/traces?service=frontend&minDuration=5%20ms")]
    [InlineData("/api/traces?service=frontend&tags=%7Bnot-json")]
    [InlineData("/api/traces?service=frontend&tag=no-colon")]
    [InlineData("/api/traces?traceID=xyz")]
    [InlineData("/api/dependencies?endTs=now")]
    [InlineData("/api/logs?limit=ten")]
    [InlineData("/api/logs?traceId=zz")]
    [InlineData("/api/metrics/routes?window=fortnight")]
    [InlineData("/api/metrics/routes/history?step=0s")]
    [InlineData("/api/metrics/routes/history?window=1h&step=1s")]
    public async Task Malformed_query_parameters_are_400s_in_jaegers_error_shape(string path)
    {
        var (status, body) = await GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(400, Assert.Single(body.GetProperty("errors").EnumerateArray()).GetProperty("code").GetInt32());
    }

    internal static void AssertEnvelope(JsonElement body)
    {
        Assert.Equal(["data", "total", "limit", "offset", "errors"], body.EnumerateObject().Select(p => p.Name));
    }

    private static void AssertError(JsonElement body, int code, string message)
    {
        AssertEnvelope(body);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Equal(message, error.GetProperty("msg").GetString());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await Dashboard.Api.GetAsync(path);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task<List<string>> TraceIds(string path) =>
        (await Dashboard.GetJsonAsync(path)).GetProperty("data").EnumerateArray().Select(t => t.GetProperty("traceID").GetString()!).ToList();

    private static JsonElement Tag(JsonElement span, string key) =>
        span.GetProperty("tags").EnumerateArray().Single(t => t.GetProperty("key").GetString() == key).GetProperty("value");

    private static string? TagType(JsonElement span, string key) =>
        span.GetProperty("tags").EnumerateArray().Single(t => t.GetProperty("key").GetString() == key).GetProperty("type").GetString();

    private static string? Reference(JsonElement span, string type) =>
        span.GetProperty("references").EnumerateArray().Single(r => r.GetProperty("refType").GetString() == type).GetProperty("spanID").GetString();
}
