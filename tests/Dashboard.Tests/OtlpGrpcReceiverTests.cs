using Google.Protobuf;
using Shop.Dashboard.Tests.Infrastructure;
using Shop.Otlp.Collector.Trace.V1;

namespace Shop.Dashboard.Tests;

/// <summary>OTLP/gRPC: what the OpenTelemetry .NET exporter sends over gRPC is stored; bad calls end with the right status.</summary>
public sealed class OtlpGrpcReceiverTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private const int Ok = 0;
    private const int Unknown = 2;
    private const int ResourceExhausted = 8;
    private const int Unimplemented = 12;
    private const int Internal = 13;
    private const int Unauthenticated = 16;

    private DashboardProcess Dashboard => fixture.Dashboard;

    [Fact]
    public async Task Real_exporter_traces_logs_and_metrics_over_grpc_are_stored()
    {
        await using var service = await TracedService.StartAsync(Dashboard, "exporter-grpc", protocol: "grpc");

        var traceId = await service.GetTracedAsync("/items/9");

        var trace = await Dashboard.WaitForTraceAsync(traceId);
        Assert.Equal("GET /items/{id}", trace.GetProperty("spans")[0].GetProperty("operationName").GetString());
        await Dashboard.WaitForAsync(async () =>
            ((await Dashboard.GetJsonAsync($"/api/logs?traceId={traceId}&text=Item%209%20read")).GetProperty("data").GetArrayLength() == 1, true),
            "the log record over gRPC");
        await Dashboard.WaitForAsync(async () =>
            ((await Dashboard.GetJsonAsync("/api/metrics/instruments?service=exporter-grpc")).GetProperty("data").EnumerateArray()
                .Any(i => i.GetProperty("name").GetString() == "http.server.request.duration"), true),
            "metrics over gRPC");
    }

    [Fact]
    public async Task Real_exporter_gzip_compressed_grpc_exports_are_decompressed()
    {
        var gzipBefore = (await Dashboard.StatusAsync()).GetProperty("ingest").GetProperty("gzipRequests").GetInt64();
        await using var service = await TracedService.StartAsync(Dashboard, "exporter-grpc-gzip", protocol: "grpc", gzip: true);

        var traceId = await service.GetTracedAsync("/items/10");

        await Dashboard.WaitForTraceAsync(traceId);
        Assert.True((await Dashboard.StatusAsync()).GetProperty("ingest").GetProperty("gzipRequests").GetInt64() > gzipBefore);
    }

    [Fact]
    public async Task A_hand_made_call_is_answered_with_an_export_response()
    {
        var random = new Random(21);
        var traceId = OtlpRequests.TraceId(random);
        var request = OtlpRequests.Request("grpc-raw", OtlpRequests.Span(traceId, OtlpRequests.SpanId(random), "op", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(2)),
            OtlpRequests.Span(ByteString.CopyFrom(1, 2), OtlpRequests.SpanId(random), "bad id", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(2)));

        var (status, _, body) = await GrpcWire.CallAsync(Dashboard.OtlpGrpcUrl, GrpcWire.TraceExport, GrpcWire.Frame(request.ToByteArray()));

        Assert.Equal(Ok, status);
        var response = ExportTraceServiceResponse.Parser.ParseFrom(body.AsSpan(5));
        Assert.Equal(1, response.PartialSuccess.RejectedSpans);
        await Dashboard.WaitForTraceAsync(OtlpRequests.Hex(traceId));
    }

    [Fact]
    public async Task An_undecodable_message_is_unknown_corrupt_gzip_internal_and_an_unknown_method_unimplemented()
    {
        var (garbage, _, _) = await GrpcWire.CallAsync(Dashboard.OtlpGrpcUrl, GrpcWire.TraceExport, GrpcWire.Frame([0x0A, 0xFF, 0xFF, 0xFF, 0x0F]));
        var (corruptGzip, _, _) = await GrpcWire.CallAsync(Dashboard.OtlpGrpcUrl, GrpcWire.TraceExport, GrpcWire.Frame([1, 2, 3, 4], compressed: true),
            new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });
        var (unknown, _, _) = await GrpcWire.CallAsync(Dashboard.OtlpGrpcUrl, "/opentelemetry.proto.collector.trace.v1.TraceService/Upload", GrpcWire.Frame([]));

        // Grpc.AspNetCore treats a message its parser throws on like a handler exception: UNKNOWN (grpc-go, and
        // so the OpenTelemetry Collector, says INTERNAL). Either way exporters drop the batch, neither code is retryable.
        Assert.Equal(Unknown, garbage);
        Assert.Equal(Internal, corruptGzip);
        Assert.Equal(Unimplemented, unknown);
        using var alive = await Dashboard.Api.GetAsync("/alive");
        Assert.True(alive.IsSuccessStatusCode);
    }

    [Fact]
    public async Task Messages_over_the_limit_are_resource_exhausted_even_as_a_gzip_bomb()
    {
        await using var small = await DashboardProcess.StartAsync(new Dictionary<string, string> { ["MaxRequestBodyBytes"] = "65536" });

        var (large, _, _) = await GrpcWire.CallAsync(small.OtlpGrpcUrl, GrpcWire.TraceExport, GrpcWire.Frame(new byte[100_000]));
        var (bomb, message, _) = await GrpcWire.CallAsync(small.OtlpGrpcUrl, GrpcWire.TraceExport, GrpcWire.Frame(OtlpRequests.Gzip(new byte[20_000_000]), compressed: true),
            new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal(ResourceExhausted, large);
        Assert.Equal(ResourceExhausted, bomb);
        Assert.Contains("exceeds the maximum configured message size", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_api_key_grpc_exports_need_the_x_otlp_api_key_metadata()
    {
        await using var keyed = await DashboardProcess.StartAsync(new Dictionary<string, string> { ["ApiKey"] = "grpc-key" });
        var frame = GrpcWire.Frame(OtlpRequests.Request("keyed").ToByteArray());

        var (anonymous, _, _) = await GrpcWire.CallAsync(keyed.OtlpGrpcUrl, GrpcWire.TraceExport, frame);
        var (withKey, _, _) = await GrpcWire.CallAsync(keyed.OtlpGrpcUrl, GrpcWire.TraceExport, frame, new Dictionary<string, string> { ["x-otlp-api-key"] = "grpc-key" });

        Assert.Equal(Unauthenticated, anonymous);
        Assert.Equal(Ok, withKey);
    }
}
