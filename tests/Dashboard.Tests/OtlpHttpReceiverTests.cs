using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Shop.Dashboard.Tests.Infrastructure;
using Shop.Otlp.Collector.Trace.V1;
using RpcStatus = Shop.Otlp.Rpc.Status;

namespace Shop.Dashboard.Tests;

/// <summary>OTLP/HTTP: what the OpenTelemetry .NET exporter sends is stored; malformed input is refused cleanly.</summary>
public sealed class OtlpHttpReceiverTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private DashboardProcess Dashboard => fixture.Dashboard;

    [Fact]
    public async Task Real_exporter_traces_logs_and_metrics_over_http_protobuf_are_stored()
    {
        await using var service = await TracedService.StartAsync(Dashboard, "exporter-http-protobuf");

        var traceId = await service.GetTracedAsync("/items/7");

        var trace = await Dashboard.WaitForTraceAsync(traceId);
        Assert.Equal("GET /items/{id}", trace.GetProperty("spans")[0].GetProperty("operationName").GetString());
        await Dashboard.WaitForAsync(async () =>
        {
            var logs = (await Dashboard.GetJsonAsync($"/api/logs?traceId={traceId}&text=Item%207%20read")).GetProperty("data");
            return (logs.GetArrayLength() == 1, true);
        }, "the log record written in the traced request");
        await Dashboard.WaitForAsync(async () =>
        {
            var instruments = (await Dashboard.GetJsonAsync("/api/metrics/instruments?service=exporter-http-protobuf")).GetProperty("data");
            return (instruments.EnumerateArray().Any(i => i.GetProperty("name").GetString() == "http.server.request.duration"), true);
        }, "the service's http.server.request.duration histogram");
    }

    [Fact]
    public async Task Real_exporter_gzip_compressed_exports_are_decompressed()
    {
        var gzipBefore = (await Dashboard.StatusAsync()).GetProperty("ingest").GetProperty("gzipRequests").GetInt64();
        await using var service = await TracedService.StartAsync(Dashboard, "exporter-gzip", gzip: true);

        var traceId = await service.GetTracedAsync("/items/8");

        await Dashboard.WaitForTraceAsync(traceId);
        var gzipAfter = (await Dashboard.StatusAsync()).GetProperty("ingest").GetProperty("gzipRequests").GetInt64();
        Assert.True(gzipAfter > gzipBefore, "OTEL_EXPORTER_OTLP_COMPRESSION=gzip exports arrived gzip-encoded");
    }

    [Fact]
    public async Task Hand_written_otlp_json_with_hex_ids_is_stored_and_answered_in_json()
    {
        var traceId = "5b8efff798038103d269b633813fc60c";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

        // OTLP/JSON per the specification: lowerCamelCase keys, hex ids (any case), integer enums,
        // 64-bit integers as strings, and a field this receiver does not know (to be ignored).
        var json = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-client"}}]},
              "scopeSpans":[{"scope":{"name":"handwritten"},"spans":[
                {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","name":"checkout","kind":2,
                 "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 25_000_000}}}","futureField":{"x":1},
                 "attributes":[{"key":"tenant.id","value":{"stringValue":"t-1"}},{"key":"retries","value":{"intValue":"3"}},{"key":"ok","value":{"boolValue":true}}],
                 "events":[{"timeUnixNano":"{{{now + 1_000_000}}}","name":"cache-miss"}],"status":{"code":2,"message":"card declined"}},
                {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","parentSpanId":"eee19b7ec3c1b174","name":"db","kind":3,
                 "startTimeUnixNano":"{{{now + 2_000_000}}}","endTimeUnixNano":"{{{now + 20_000_000}}}",
                 "links":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331"}]}
              ]}]}]}
            """;
        using var response = await PostJson("/v1/traces", json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var trace = await Dashboard.WaitForTraceAsync(traceId, spans: 2);
        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        var root = spans.Single(s => s.GetProperty("spanID").GetString() == "eee19b7ec3c1b174");
        var child = spans.Single(s => s.GetProperty("spanID").GetString() == "eee19b7ec3c1b175");
        Assert.Equal(25_000, root.GetProperty("duration").GetInt64());
        Assert.Contains(root.GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "retries" && t.GetProperty("value").GetInt64() == 3);
        Assert.Contains(root.GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "otel.status_code" && t.GetProperty("value").GetString() == "ERROR");
        Assert.Contains(root.GetProperty("tags").EnumerateArray(), t => t.GetProperty("key").GetString() == "otel.status_description" && t.GetProperty("value").GetString() == "card declined");
        Assert.Equal("cache-miss", root.GetProperty("logs")[0].GetProperty("fields")[0].GetProperty("value").GetString());
        var references = child.GetProperty("references").EnumerateArray().ToList();
        Assert.Equal(("CHILD_OF", "eee19b7ec3c1b174"), (references[0].GetProperty("refType").GetString(), references[0].GetProperty("spanID").GetString()));
        Assert.Equal(("FOLLOWS_FROM", "0af7651916cd43dd8448eb211c80319c"), (references[1].GetProperty("refType").GetString(), references[1].GetProperty("traceID").GetString()));

        var logs = $$$"""
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-client"}}]},
              "scopeLogs":[{"scope":{"name":"Checkout"},"logRecords":[{"timeUnixNano":"{{{now}}}","severityNumber":13,"severityText":"Warning",
                "body":{"stringValue":"payment slow"},"traceId":"{{{traceId}}}","spanId":"eee19b7ec3c1b174"}]}]}]}
            """;
        using var logsResponse = await PostJson("/v1/logs", logs);
        Assert.Equal(HttpStatusCode.OK, logsResponse.StatusCode);
        var record = Assert.Single((await Dashboard.GetJsonAsync($"/api/logs?traceId={traceId}")).GetProperty("data").EnumerateArray());
        Assert.Equal(("payment slow", "WARN", "eee19b7ec3c1b174"), (record.GetProperty("body").GetString(), record.GetProperty("severity").GetString(), record.GetProperty("spanID").GetString()));
    }

    [Fact]
    public async Task Gzip_encoded_json_is_decompressed()
    {
        var traceId = OtlpRequests.Hex(OtlpRequests.TraceId(new Random(11)));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var json = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gzip-json"}}]},
              "scopeSpans":[{"spans":[{"traceId":"{{{traceId}}}","spanId":"0102030405060708","name":"zipped","kind":1,
              "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 1000}}}"}]}]}]}
            """;

        using var content = new ByteArrayContent(OtlpRequests.Gzip(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await Dashboard.Otlp.PostAsync("/v1/traces", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Dashboard.WaitForTraceAsync(traceId);
    }

    [Fact]
    public async Task Malformed_protobuf_is_a_400_with_a_protobuf_status_body()
    {
        using var content = new ByteArrayContent([0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");

        using var response = await Dashboard.Otlp.PostAsync("/v1/traces", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        var status = RpcStatus.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.StartsWith("Malformed OTLP protobuf payload", status.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"resourceSpans\": [")]
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"not-hex-at-all!\",\"spanId\":\"0102030405060708\"}]}]}]}")]
    // (An unknown enum name such as "kind":"sideways" is not malformed: Google.Protobuf 3.36's parser, told to ignore
    // unknown fields as OTLP receivers must, ignores unknown enum names too, and the span keeps kind unspecified.)
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"droppedAttributesCount\":\"a word where a number belongs\"}]}]}]}")]
    [InlineData("[1, 2, 3]")]
    public async Task Malformed_json_is_a_400_with_a_json_status_body(string json)
    {
        using var response = await PostJson("/v1/traces", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("Malformed OTLP/JSON payload", status.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsupported_content_type_or_encoding_is_a_415()
    {
        using var text = new StringContent("hello", Encoding.UTF8, "text/plain");
        using var brotli = new ByteArrayContent(OtlpRequests.Request("x").ToByteArray());
        brotli.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        brotli.Headers.ContentEncoding.Add("br");

        using var textResponse = await Dashboard.Otlp.PostAsync("/v1/logs", text);
        using var brotliResponse = await Dashboard.Otlp.PostAsync("/v1/traces", brotli);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, textResponse.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, brotliResponse.StatusCode);
    }

    [Fact]
    public async Task Corrupt_gzip_is_a_400()
    {
        var zipped = OtlpRequests.Gzip(OtlpRequests.Request("x").ToByteArray());
        zipped[12] ^= 0xFF;
        zipped[13] ^= 0xFF;
        using var content = new ByteArrayContent(zipped[..^4]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await Dashboard.Otlp.PostAsync("/v1/traces", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_413s_before_and_after_decompression()
    {
        await using var small = await DashboardProcess.StartAsync(new Dictionary<string, string> { ["MaxRequestBodyBytes"] = "65536" });

        using var large = new ByteArrayContent(new byte[100_000]);
        large.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var bomb = new ByteArrayContent(OtlpRequests.Gzip(new byte[20_000_000]));
        bomb.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        bomb.Headers.ContentEncoding.Add("gzip");

        using var largeResponse = await small.Otlp.PostAsync("/v1/traces", large);
        using var bombResponse = await small.Otlp.PostAsync("/v1/metrics", bomb);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, largeResponse.StatusCode);
        Assert.True(bomb.Headers.ContentLength < 65536, $"the bomb itself is small ({bomb.Headers.ContentLength} bytes)");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bombResponse.StatusCode);
        Assert.Equal(2, (await small.StatusAsync()).GetProperty("ingest").GetProperty("tooLargeRequests").GetInt64());
    }

    [Fact]
    public async Task Spans_with_invalid_ids_are_rejected_as_a_partial_success()
    {
        var random = new Random(5);
        var good = OtlpRequests.Span(OtlpRequests.TraceId(random), OtlpRequests.SpanId(random), "good", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(3));
        var shortTraceId = OtlpRequests.Span(ByteString.CopyFrom(1, 2, 3), OtlpRequests.SpanId(random), "bad", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(3));
        var zeroSpanId = OtlpRequests.Span(OtlpRequests.TraceId(random), ByteString.CopyFrom(new byte[8]), "bad", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(3));

        using var response = await Dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("partial", good, shortTraceId, zeroSpanId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("trace_id must be 16 bytes", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        await Dashboard.WaitForTraceAsync(OtlpRequests.Hex(good.TraceId));
    }

    [Fact]
    public async Task Garbage_never_breaks_the_receiver()
    {
        var random = new Random(1234);
        foreach (var path in new[] { "/v1/traces", "/v1/logs", "/v1/metrics" })
        {
            foreach (var contentType in new[] { "application/x-protobuf", "application/json" })
            {
                for (var i = 0; i < 20; i++)
                {
                    var garbage = new byte[random.Next(1, 4096)];
                    random.NextBytes(garbage);
                    using var content = new ByteArrayContent(i % 4 == 3 ? OtlpRequests.Gzip(garbage) : garbage);
                    content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
                    if (i % 4 is 2 or 3)
                    {
                        content.Headers.ContentEncoding.Add("gzip");
                    }

                    using var response = await Dashboard.Otlp.PostAsync(path, content);
                    Assert.True((int)response.StatusCode is 200 or 400, $"{path} {contentType} answered {(int)response.StatusCode}");
                }
            }
        }

        using var alive = await Dashboard.Api.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        var traceId = OtlpRequests.TraceId(random);
        using var valid = await Dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("after-garbage", OtlpRequests.Span(traceId, OtlpRequests.SpanId(random), "still-fine", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1))));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        await Dashboard.WaitForTraceAsync(OtlpRequests.Hex(traceId));
    }

    [Fact]
    public async Task Each_listener_serves_only_its_own_endpoints()
    {
        using var otlpOnQueryPort = await Dashboard.Api.PostAsync("/v1/traces", new ByteArrayContent([]));
        using var apiOnOtlpPort = await Dashboard.Otlp.GetAsync("/api/services");
        using var uiOnOtlpPort = await Dashboard.Otlp.GetAsync("/search");
        using var healthOnOtlpPort = await Dashboard.Otlp.GetAsync("/health");

        Assert.Equal(HttpStatusCode.NotFound, otlpOnQueryPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, apiOnOtlpPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, uiOnOtlpPort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthOnOtlpPort.StatusCode);
    }

    private Task<HttpResponseMessage> PostJson(string path, string json) =>
        Dashboard.Otlp.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
}
