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
    public async Task With_a_forward_budget_errors_and_slow_traces_go_upstream_and_normal_ones_only_within_it_while_all_are_stored()
    {
        await using var upstream = await DashboardProcess.StartAsync();
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["Forward:Endpoint"] = upstream.OtlpHttpUrl,
            ["Forward:NormalTracesPerSecond"] = "1",
            ["TailSampling:Enabled"] = "true",
            ["TailSampling:DecisionWait"] = "00:00:00.200",
            ["TailSampling:KeepRatio"] = "1", // every trace kept: only forwarding chooses
        });
        var random = new Random(9);
        var now = DateTimeOffset.UtcNow;
        var (failed, slow) = (OtlpRequests.TraceId(random), OtlpRequests.TraceId(random));
        var normal = Enumerable.Range(0, 3).Select(_ => (Trace: OtlpRequests.TraceId(random), Root: OtlpRequests.SpanId(random))).ToList();

        // One request: all five roots come due in the same decision, and the budget (one second's worth: 1) takes one normal trace.
        using var response = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("budgeted",
            [
                OtlpRequests.Span(failed, OtlpRequests.SpanId(random), "checkout", now, TimeSpan.FromMilliseconds(5), error: true),
                OtlpRequests.Span(slow, OtlpRequests.SpanId(random), "checkout", now, TimeSpan.FromMilliseconds(900)),
                .. normal.Select(n => OtlpRequests.Span(n.Trace, n.Root, "checkout", now, TimeSpan.FromMilliseconds(5))),
            ]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await upstream.WaitForTraceAsync(OtlpRequests.Hex(failed));
        await upstream.WaitForTraceAsync(OtlpRequests.Hex(slow));
        var status = await dashboard.WaitForAsync(async () =>
        {
            var s = await dashboard.StatusAsync();
            return (s.GetProperty("sampling").GetProperty("tracesKeptNotForwarded").GetInt64() == 2, s);
        }, "two normal traces kept without forwarding");
        var sampling = status.GetProperty("sampling");
        Assert.Equal((1, 1, 3), (sampling.GetProperty("tracesKeptError").GetInt64(), sampling.GetProperty("tracesKeptSlow").GetInt64(), sampling.GetProperty("tracesKeptRatio").GetInt64()));

        // Every trace is in the dashboard's own store; upstream has exactly one of the three normal ones (they went in one request with the error).
        foreach (var (trace, _) in normal)
        {
            await dashboard.WaitForTraceAsync(OtlpRequests.Hex(trace));
        }

        var upstreamNormal = new List<int>();
        for (var i = 0; i < normal.Count; i++)
        {
            using var found = await upstream.Api.GetAsync($"/api/traces/{OtlpRequests.Hex(normal[i].Trace)}");
            if (found.StatusCode == HttpStatusCode.OK)
            {
                upstreamNormal.Add(i);
            }
        }

        var forwarded = Assert.Single(upstreamNormal);
        Assert.Contains(dashboard.Output, line => line.Contains("forward errors, slow traces and at most 1 others/s", StringComparison.Ordinal));

        // Late spans follow their trace's fate: a stored-only trace's child stays here, the forwarded one's goes upstream too
        // (sent after it, so once it is there the first was handled).
        var stayed = normal[forwarded == 0 ? 1 : 0];
        var lateStayed = OtlpRequests.Span(stayed.Trace, OtlpRequests.SpanId(random), "late", now, TimeSpan.FromMilliseconds(1), parent: stayed.Root);
        var lateForwarded = OtlpRequests.Span(normal[forwarded].Trace, OtlpRequests.SpanId(random), "late", now, TimeSpan.FromMilliseconds(1), parent: normal[forwarded].Root);
        using (var late = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("budgeted", lateStayed)))
        {
            Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        }

        using (var late = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("budgeted", lateForwarded)))
        {
            Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        }

        await upstream.WaitForTraceAsync(OtlpRequests.Hex(normal[forwarded].Trace), spans: 2);
        await dashboard.WaitForTraceAsync(OtlpRequests.Hex(stayed.Trace), spans: 2);
        using var notForwarded = await upstream.Api.GetAsync($"/api/traces/{OtlpRequests.Hex(stayed.Trace)}");
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
