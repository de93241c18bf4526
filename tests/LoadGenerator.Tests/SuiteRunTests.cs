using Shop.LoadGenerator.Generation;
using Shop.LoadGenerator.Recording;
using Shop.LoadGenerator.Scenarios;
using Shop.Otlp.Trace.V1;
using Shop.Testing;

namespace Shop.LoadGenerator.Tests;

public sealed class SuiteRunTests
{
    [Fact]
    public async Task A_short_open_model_run_succeeds_and_records_the_trace_id_the_suite_exported_for_every_request()
    {
        await using var suite = await ShopSuite.StartAsync();
        using var logDirectory = new TempDirectory();
        var options = new LoadOptions
        {
            Gateway = suite.Http.BaseAddress!,
            Rate = 20,
            Duration = TimeSpan.FromSeconds(3),
            WarmUp = TimeSpan.Zero,
            PoolUsers = 4,
            PoolOrders = 2,
            Tenants = 3,
            Mix = ScenarioMix.Parse("register-user=1,read-user=1,checkout=1,read-order=1"),
            TraceLogPath = Path.Combine(logDirectory.FullPath, "traces.jsonl"),
            Progress = false,
        };

        var run = await LoadRunner.RunAsync(options, TextWriter.Null, CancellationToken.None);

        Assert.Equal(60, run.Requests);
        Assert.All(run.Results, r => Assert.True(r.Succeeded, $"{r.Scenario.Name()}: {r.Outcome}"));
        Assert.Equal(ScenarioNames.All.Order(), run.Results.Select(r => r.Scenario).Distinct().Order());
        Assert.All(run.Results, r => Assert.True(r.LatencyMs >= r.ServiceMs));
        var logged = TraceLog.Read(options.TraceLogPath).ToList();
        Assert.Equal(run.Results.Select(r => r.TraceId).Order(), logged.Select(l => l.TraceId).Order());
        var traceIds = run.Results.Select(r => r.TraceId!).ToHashSet();
        Assert.Equal(run.Requests, traceIds.Count);

        // Every recorded id is the trace of a gateway server span the suite exported, with the route of its scenario.
        var spans = await suite.Telemetry.WaitForSpans(
            s => s.ServiceName == ShopSuite.Gateway && s.Kind == Span.Types.SpanKind.Server && traceIds.Contains(s.TraceId), count: traceIds.Count, timeout: TimeSpan.FromSeconds(60));
        var routes = spans.ToDictionary(s => s.TraceId, s => s["http.route"] as string);
        foreach (var result in run.Results)
        {
            Assert.Equal(result.Scenario switch
            {
                Scenario.RegisterUser => "/api/users",
                Scenario.ReadUser => "/api/users/{id}",
                Scenario.Checkout => "/api/orders",
                _ => "/api/orders/{id}",
            }, routes[result.TraceId!]);
        }
    }
}
