using System.Net;
using Shop.Dashboard.Tests.Infrastructure;

namespace Shop.Dashboard.Tests;

/// <summary>
/// How the dashboard stops (Ingest/IngestDrain.cs): a stopping suite's services flush their last telemetry at the moment
/// the dashboard gets its own stop signal, so its receivers stay open until exports stop arriving.
/// </summary>
public sealed class StopDrainTests
{
    [Fact]
    public async Task Export_arriving_after_the_stop_signal_is_received_and_forwarded_before_the_dashboard_exits()
    {
        await using var upstream = await DashboardProcess.StartAsync();
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["Forward:Endpoint"] = upstream.OtlpHttpUrl,
            ["StopDrain"] = "00:00:02.500", // the default 1 s, widened: on a loaded machine this test may be slow to send
        });
        var random = new Random(21);
        var traceId = OtlpRequests.TraceId(random);

        var stopped = dashboard.StopAsync();
        await dashboard.WaitForAsync(
            () => Task.FromResult((dashboard.Output.Any(l => l.Contains("Application is shutting down", StringComparison.Ordinal)), true)), "the stop to begin");
        using var response = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("stopping",
            OtlpRequests.Span(traceId, OtlpRequests.SpanId(random), "last words", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(2))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, await stopped); // on its own, before the stop timeout's SIGKILL
        Assert.Contains(dashboard.Output, l => l.Contains("Stopping: received 1 more span(s)", StringComparison.Ordinal));
        await upstream.WaitForTraceAsync(OtlpRequests.Hex(traceId)); // forwarded, not lost with the process
    }
}
