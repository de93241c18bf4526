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
            ["Forward:LogsFollowTraces"] = "true", // nothing to follow without tail sampling: every record goes
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
        Assert.False(forwarding.GetProperty("logsFollowTraces").GetBoolean());
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
    public async Task With_an_error_and_slow_forward_budget_errors_and_slow_traces_go_upstream_only_within_it_while_all_are_stored()
    {
        await using var upstream = await DashboardProcess.StartAsync();
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["Forward:Endpoint"] = upstream.OtlpHttpUrl,
            ["Forward:ErrorAndSlowTracesPerSecond"] = "1",
            ["TailSampling:Enabled"] = "true",
            ["TailSampling:DecisionWait"] = "00:00:00.200",
            ["TailSampling:KeepRatio"] = "1", // every trace kept: only forwarding chooses
        });
        var random = new Random(10);
        var now = DateTimeOffset.UtcNow;
        var flagged = Enumerable.Range(0, 4).Select(_ => OtlpRequests.TraceId(random)).ToList();
        var normal = OtlpRequests.TraceId(random);

        // One request: all five come due in the same decision. Two errors and two slow traces share the budget (one second's
        // worth: 1); the normal trace has no budget of its own set, so it goes.
        using var response = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("overloaded",
            [
                .. flagged.Take(2).Select(t => OtlpRequests.Span(t, OtlpRequests.SpanId(random), "checkout", now, TimeSpan.FromMilliseconds(5), error: true)),
                .. flagged.Skip(2).Select(t => OtlpRequests.Span(t, OtlpRequests.SpanId(random), "checkout", now, TimeSpan.FromMilliseconds(900))),
                OtlpRequests.Span(normal, OtlpRequests.SpanId(random), "checkout", now, TimeSpan.FromMilliseconds(5)),
            ]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // They went upstream in one request: once the normal trace is there, so is the one flagged trace the budget let through.
        await upstream.WaitForTraceAsync(OtlpRequests.Hex(normal));
        var sampling = (await dashboard.WaitForAsync(async () =>
        {
            var s = await dashboard.StatusAsync();
            return (s.GetProperty("sampling").GetProperty("tracesKeptNotForwarded").GetInt64() == 3, s);
        }, "three error and slow traces kept without forwarding")).GetProperty("sampling");
        Assert.Equal((2, 2, 1), (sampling.GetProperty("tracesKeptError").GetInt64(), sampling.GetProperty("tracesKeptSlow").GetInt64(), sampling.GetProperty("tracesKeptRatio").GetInt64()));

        var upstreamFlagged = 0;
        foreach (var trace in flagged)
        {
            await dashboard.WaitForTraceAsync(OtlpRequests.Hex(trace));
            using var found = await upstream.Api.GetAsync($"/api/traces/{OtlpRequests.Hex(trace)}");
            upstreamFlagged += found.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(1, upstreamFlagged);
        Assert.Contains(dashboard.Output, line => line.Contains("forward at most 1 errors and slow traces/s and every other", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_logs_following_traces_a_record_of_a_trace_goes_upstream_only_with_it_and_warnings_and_records_without_a_trace_at_once()
    {
        await using var upstream = await DashboardProcess.StartAsync();
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["Forward:Endpoint"] = upstream.OtlpHttpUrl,
            ["Forward:Signals"] = "traces,logs",
            ["Forward:LogsFollowTraces"] = "true",
            ["TailSampling:Enabled"] = "true",
            ["TailSampling:DecisionWait"] = "00:00:00.200",
            ["TailSampling:KeepRatio"] = "0", // the error trace is kept, the fine one dropped
            // Long enough that the spans, posted right after the records, join their traces even on a busy machine; the
            // record of a trace that sends no span goes after it.
            ["TailSampling:MaxTraceWait"] = "00:00:10",
        });
        var random = new Random(11);
        var now = DateTimeOffset.UtcNow;
        var (failed, fine, spanless) = (OtlpRequests.TraceId(random), OtlpRequests.TraceId(random), OtlpRequests.TraceId(random));

        // The records come before their spans (services export each signal on its own timer).
        using (var logs = await dashboard.PostProtobufAsync("/v1/logs", OtlpRequests.Logs("followed",
            OtlpRequests.Log(failed, "info of the failed trace"),
            OtlpRequests.Log(fine, "info of the fine trace"),
            OtlpRequests.Log(fine, "warning of the fine trace", severity: 13),
            OtlpRequests.Log(null, "info of no trace"),
            OtlpRequests.Log(spanless, "info of a trace that sends no span"))))
        {
            Assert.Equal(HttpStatusCode.OK, logs.StatusCode);
        }

        using (var spans = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("followed",
            OtlpRequests.Span(failed, OtlpRequests.SpanId(random), "checkout", now, TimeSpan.FromMilliseconds(5), error: true),
            OtlpRequests.Span(fine, OtlpRequests.SpanId(random), "checkout", now, TimeSpan.FromMilliseconds(5)))))
        {
            Assert.Equal(HttpStatusCode.OK, spans.StatusCode);
        }

        await upstream.WaitForTraceAsync(OtlpRequests.Hex(failed));
        await dashboard.WaitForAsync(async () => ((await dashboard.StatusAsync()).GetProperty("sampling").GetProperty("logRecordsNotForwarded").GetInt64() == 1, true), "the dropped trace's record held back");

        // A record arriving after its trace was decided follows the decision too; one whose trace sends no span goes after
        // MaxTraceWait, since there is no trace to follow.
        using (var late = await dashboard.PostProtobufAsync("/v1/logs", OtlpRequests.Logs("followed",
            OtlpRequests.Log(fine, "late info of the fine trace"),
            OtlpRequests.Log(failed, "late info of the failed trace"))))
        {
            Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        }

        var upstreamBodies = await upstream.WaitForAsync(async () =>
        {
            var bodies = await Bodies(upstream);
            return (bodies.Contains("late info of the failed trace") && bodies.Contains("info of a trace that sends no span"), bodies);
        }, "the late record of the forwarded trace and the record of no span (after MaxTraceWait) upstream", TimeSpan.FromSeconds(60));
        Assert.Equal(
            ["info of a trace that sends no span", "info of no trace", "info of the failed trace", "late info of the failed trace", "warning of the fine trace"],
            upstreamBodies.Order());
        Assert.Equal(7, (await Bodies(dashboard)).Count);
        Assert.Equal(2, (await dashboard.StatusAsync()).GetProperty("sampling").GetProperty("logRecordsNotForwarded").GetInt64());
        Assert.True((await dashboard.StatusAsync()).GetProperty("forwarding").GetProperty("logsFollowTraces").GetBoolean());

        static async Task<List<string>> Bodies(DashboardProcess process) =>
            [.. (await process.GetJsonAsync("/api/logs?service=followed&limit=100")).GetProperty("data").EnumerateArray().Select(l => l.GetProperty("body").GetString()!)];
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
