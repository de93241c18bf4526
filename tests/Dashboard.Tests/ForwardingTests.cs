using System.Net;
using Shop.Dashboard.Tests.Infrastructure;
using Shop.Hosting;

namespace Shop.Dashboard.Tests;

/// <summary>Forwarding to an upstream OTLP endpoint (here a second dashboard standing in for Jaeger or a collector).</summary>
public sealed class ForwardingTests
{
    [Fact]
    public async Task Kept_traces_and_logs_are_forwarded_to_the_upstream_otlp_http_endpoint()
    {
        await using var upstream = await DashboardProcess.StartAsync();
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["Forward:Endpoint"] = upstream.OtlpHttpUrl,
            ["Forward:Signals"] = "traces,logs,metrics",
        });
        await using var service = await TracedService.StartAsync(dashboard, "forwarded");

        var traceId = await service.GetTracedAsync("/items/42");

        await dashboard.WaitForTraceAsync(traceId);
        await upstream.WaitForTraceAsync(traceId);
        await upstream.WaitForAsync(async () =>
        {
            var logs = (await upstream.GetJsonAsync($"/api/logs?traceId={traceId}")).GetProperty("data");
            return (logs.GetArrayLength() > 0, true);
        }, "forwarded log records");
        var forwarding = (await dashboard.StatusAsync()).GetProperty("forwarding");
        Assert.Equal(upstream.OtlpHttpUrl, forwarding.GetProperty("endpoint").GetString());
        Assert.True(forwarding.GetProperty("sentItems").GetInt64() > 0);
    }

    [Fact]
    public async Task Traces_are_forwarded_over_otlp_grpc_when_the_protocol_says_grpc()
    {
        await using var upstream = await DashboardProcess.StartAsync();
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["Forward:Endpoint"] = upstream.OtlpGrpcUrl,
            ["Forward:Protocol"] = "grpc",
        });
        await using var service = await TracedService.StartAsync(dashboard, "forwarded-grpc");

        var traceId = await service.GetTracedAsync("/items/43");

        await upstream.WaitForTraceAsync(traceId);
        Assert.Equal("grpc", (await dashboard.StatusAsync()).GetProperty("forwarding").GetProperty("protocol").GetString());
    }

    [Fact]
    public async Task With_sampling_only_kept_traces_are_forwarded()
    {
        await using var upstream = await DashboardProcess.StartAsync();
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["Forward:Endpoint"] = upstream.OtlpHttpUrl,
            ["TailSampling:Enabled"] = "true",
            ["TailSampling:DecisionWait"] = "00:00:00.200",
            ["TailSampling:KeepRatio"] = "0",
        });
        var random = new Random(8);
        var (failed, fine) = (OtlpRequests.TraceId(random), OtlpRequests.TraceId(random));

        using var response = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("sampled",
            OtlpRequests.Span(failed, OtlpRequests.SpanId(random), "checkout", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(5), error: true),
            OtlpRequests.Span(fine, OtlpRequests.SpanId(random), "checkout", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(5))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await upstream.WaitForTraceAsync(OtlpRequests.Hex(failed));
        await dashboard.WaitForAsync(async () => ((await dashboard.StatusAsync()).GetProperty("sampling").GetProperty("tracesDropped").GetInt64() == 1, true), "the drop");
        using var notForwarded = await upstream.Api.GetAsync($"/api/traces/{OtlpRequests.Hex(fine)}");
        Assert.Equal(HttpStatusCode.NotFound, notForwarded.StatusCode);
    }

    [Fact]
    public async Task An_unreachable_upstream_is_counted_and_never_blocks_ingest()
    {
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["Forward:Endpoint"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Forward:Timeout"] = "00:00:02",
        });
        var random = new Random(9);
        var traceIds = new List<string>();

        for (var i = 0; i < 5; i++)
        {
            var traceId = OtlpRequests.TraceId(random);
            traceIds.Add(OtlpRequests.Hex(traceId));
            using var response = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("lonely", OtlpRequests.Span(traceId, OtlpRequests.SpanId(random), "op", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1))));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var traceId in traceIds)
        {
            await dashboard.WaitForTraceAsync(traceId);
        }

        await dashboard.WaitForAsync(async () => ((await dashboard.StatusAsync()).GetProperty("forwarding").GetProperty("failedItems").GetInt64() == 5, true), "5 failed forwards");
        Assert.Contains(dashboard.Output, line => line.Contains("Forwarding Traces to", StringComparison.Ordinal) && line.Contains("failed", StringComparison.Ordinal));
    }
}
