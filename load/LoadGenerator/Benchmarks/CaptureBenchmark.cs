using System.Globalization;
using System.Net;
using Shop.LoadGenerator.Generation;
using Shop.LoadGenerator.Recording;
using Shop.LoadGenerator.Reporting;
using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Benchmarks;

/// <summary>
/// Benchmark 3: does tail sampling keep what matters? Payments fails a fraction of charges and delays another
/// fraction (drawn independently), orders tries each charge once, and the dashboard keeps errors, traces at least
/// SlowThreshold long and a ratio of the rest. Afterwards every recorded trace id is looked up in the dashboard.
/// </summary>
internal static class CaptureBenchmark
{
    public sealed record Settings
    {
        public double Rate { get; init; } = 40;
        public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(150);
        public double FailureRate { get; init; } = 0.05;
        public double SlowRate { get; init; } = 0.05;
        public int InjectedLatencyMs { get; init; } = 800;
        public int SlowThresholdMs { get; init; } = 500;
        public double KeepRatio { get; init; } = 0.10;
        public int Tenants { get; init; } = 8;
    }

    public static IReadOnlyDictionary<string, string?> Environment(Settings settings) => new Dictionary<string, string?>
    {
        ["Payments__Faults__FailureRate"] = Text(settings.FailureRate),
        ["Payments__Faults__LatencyMs"] = Text(settings.InjectedLatencyMs),
        ["Payments__Faults__LatencyRate"] = Text(settings.SlowRate),
        // One attempt: a failed charge is a failed checkout (202, payment pending), not a retried success.
        ["Orders__Payments__MaxAttempts"] = "1",
        ["Dashboard__TailSampling__Enabled"] = "true",
        ["Dashboard__TailSampling__KeepRatio"] = Text(settings.KeepRatio),
        ["Dashboard__TailSampling__KeepAllPerSecond"] = "0", // the ratio alone: the AppHost's budget of 10 normal traces/s would add 25% at 40/s
        ["Dashboard__TailSampling__SlowThreshold"] = TimeSpan.FromMilliseconds(settings.SlowThresholdMs).ToString("c", CultureInfo.InvariantCulture),
    };

    public static async Task<Report> RunAsync(Settings settings, TextWriter log, CancellationToken cancellationToken)
    {
        await using var postgres = await BenchPostgres.StartAsync(cancellationToken);
        await using var suite = await SuiteProcess.StartAsync("tail sampling", postgres, Environment(settings), log, cancellationToken);
        var run = await LoadRunner.RunAsync(new LoadOptions
        {
            Gateway = suite.Gateway,
            Rate = settings.Rate,
            Duration = settings.Duration,
            WarmUp = TimeSpan.FromSeconds(20), // a fresh suite: JIT and pools
            Mix = ScenarioMix.Parse("checkout=1"),
            Tenants = settings.Tenants,
            PoolUsers = 50,
            PoolOrders = 0,
            KeepResults = true,
            TraceLogPath = Path.Combine(Suite.RepoRoot.Of("load", "reports"), $"capture-traces-{DateTime.UtcNow:yyyyMMdd-HHmmss}.jsonl"),
        }, log, cancellationToken);

        // The dashboard decides a trace DecisionWait (5 s) after its root span arrived, and the services export in batches
        // (OTEL_BSP_SCHEDULE_DELAY, 5 s): after 15 s every decision is made. Look twice to see that nothing arrived late.
        log.WriteLine("-- waiting 15 s for the last sampling decisions");
        await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
        using var dashboard = new HttpClient { BaseAddress = suite.Dashboard };
        var found = await LookUpAsync(dashboard, run.Results, log, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
        var second = await LookUpAsync(dashboard, run.Results.Where(r => r.TraceId is { } id && !found.Contains(id)), log, cancellationToken);
        found.UnionWith(second);
        var tally = CaptureTally.Count(run.Results, found, settings.SlowThresholdMs, settings.InjectedLatencyMs);
        return Build(settings, run, tally, second.Count);
    }

    /// <summary>The trace ids among <paramref name="results"/> that the dashboard answers with 200 and at least one span.</summary>
    private static async Task<HashSet<string>> LookUpAsync(HttpClient dashboard, IEnumerable<RequestResult> results, TextWriter log, CancellationToken cancellationToken)
    {
        var ids = results.Select(r => r.TraceId).OfType<string>().Distinct().ToList();
        var found = new HashSet<string>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (id, token) =>
        {
            using var response = await dashboard.GetAsync($"/api/traces/{id}", token);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }

            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsStringAsync(token);
            if (body.Contains("\"spanID\"", StringComparison.Ordinal))
            {
                lock (found)
                {
                    found.Add(id);
                }
            }
        });
        log.WriteLine($"-- looked up {ids.Count:N0} trace ids in the dashboard: {found.Count:N0} found");
        return found;
    }

    private static Report Build(Settings settings, RunResult run, CaptureTally tally, int foundLate)
    {
        var report = new Report("trace-capture", $"Trace capture with tail sampling: {settings.FailureRate:P0} failing and {settings.SlowRate:P0} slow payments, {settings.KeepRatio:P0} of normal traces kept");
        report.Notes.Add($"Machine: {MachineInfo.Describe()}.");
        report.Notes.Add($"Suite: AppHost Release, Production; Payments__Faults: FailureRate {Text(settings.FailureRate)}, LatencyMs {settings.InjectedLatencyMs} with LatencyRate {Text(settings.SlowRate)} " +
            $"(drawn independently); Orders__Payments__MaxAttempts=1; dashboard tail sampling: errors, traces >= {settings.SlowThresholdMs} ms, KeepRatio {Text(settings.KeepRatio)}.");
        report.Notes.Add($"{run.Requests:N0} checkouts at {settings.Rate:0}/s for {settings.Duration.TotalSeconds:0} s (open model, after 20 s not recorded); every recorded trace id (traceresponse) looked up with " +
            $"GET /api/traces/{{id}} 15 s after the run, the missing ones again 10 s later ({foundLate} found then). Trace log: {run.TraceLogPath}");
        report.Notes.Add($"Classes from what the client saw: error = checkout not 201; slow = 201 in at least the injected {settings.InjectedLatencyMs} ms; " +
            $"normal = 201 in under the {settings.SlowThresholdMs} ms threshold; in between = 201 between the two (counted, not judged).");
        var table = report.Add("Captured per class", "class", "requests", "share", "captured", "captured/expected", "target", "verdict");
        void Row(string name, CaptureClassCount c, string target, bool? met) =>
            table.Row(name, Report.Number(c.Requests), $"{(double)c.Requests / Math.Max(1, tally.Total):P2}", Report.Number(c.Captured), $"{c.Fraction:P2}", target, c.Requests == 0 || met is null ? "-" : met.Value ? "met" : "missed");
        Row("error", tally.Error, "100%", tally.Error.Captured == tally.Error.Requests);
        Row("slow", tally.Slow, "100%", tally.Slow.Captured == tally.Slow.Requests);
        Row("normal", tally.Normal, $"{settings.KeepRatio:P0} ± 2%", Math.Abs(tally.Normal.Fraction - settings.KeepRatio) <= 0.02);
        Row("in between", tally.InBetween, "", null);
        table.Row("no trace id", Report.Number(tally.WithoutTraceId), "", "-", "-", "", "");
        RunReport.AddScenarios(report, run);
        report.Data["error"] = tally.Error;
        report.Data["slow"] = tally.Slow;
        report.Data["normal"] = tally.Normal;
        report.Data["inBetween"] = tally.InBetween;
        report.Data["withoutTraceId"] = tally.WithoutTraceId;
        return report;
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Requests of one class and how many of their traces the dashboard kept.</summary>
internal sealed record CaptureClassCount(int Requests, int Captured)
{
    public double Fraction => Requests == 0 ? double.NaN : (double)Captured / Requests;
}

/// <summary>Checkouts sorted into error, slow, normal and in-between by what the client saw, with what was captured of each.</summary>
internal sealed record CaptureTally(CaptureClassCount Error, CaptureClassCount Slow, CaptureClassCount Normal, CaptureClassCount InBetween, int WithoutTraceId)
{
    public int Total => Error.Requests + Slow.Requests + Normal.Requests + InBetween.Requests;

    public static CaptureTally Count(IEnumerable<RequestResult> results, IReadOnlySet<string> captured, double slowThresholdMs, double injectedLatencyMs)
    {
        var counts = new int[4, 2];
        var withoutTraceId = 0;
        foreach (var r in results.Where(r => r.Scenario == Scenario.Checkout))
        {
            if (r.TraceId is null)
            {
                withoutTraceId++;
                continue;
            }

            var kind = r.Status != 201 || r.Exception is not null ? 0
                : r.ServiceMs >= injectedLatencyMs ? 1
                : r.ServiceMs < slowThresholdMs ? 2
                : 3;
            counts[kind, 0]++;
            if (captured.Contains(r.TraceId))
            {
                counts[kind, 1]++;
            }
        }

        CaptureClassCount Of(int kind) => new(counts[kind, 0], counts[kind, 1]);
        return new CaptureTally(Of(0), Of(1), Of(2), Of(3), withoutTraceId);
    }
}
