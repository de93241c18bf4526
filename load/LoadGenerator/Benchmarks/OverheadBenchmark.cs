using Shop.LoadGenerator.Generation;
using Shop.LoadGenerator.Recording;
using Shop.LoadGenerator.Reporting;
using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Benchmarks;

/// <summary>
/// Benchmark 2: what telemetry costs. Two suites on the same PostgreSQL, one with OTEL_SDK_DISABLED=true and one with
/// full telemetry (traces at 100%, metrics, logs) exporting to its dashboard, measured in interleaved rounds (AB, BA, ...)
/// so drift of the machine hits both alike: latency and CPU at the same fixed rate, and capacity with closed-model users.
/// </summary>
internal static class OverheadBenchmark
{
    public const string Off = "telemetry off";
    public const string On = "telemetry on";

    public sealed record Settings
    {
        public int Rounds { get; init; } = 4;
        public double Rate { get; init; } = 100;
        public int VirtualUsers { get; init; } = 16;
        public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);
        public TimeSpan CapacityDuration { get; init; } = TimeSpan.FromSeconds(10);
        public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(5);
        public ScenarioMix Mix { get; init; } = ScenarioMix.Default;
        public int Tenants { get; init; } = 8;
    }

    /// <summary>One variant's measured phases in one round.</summary>
    public sealed record Phase(string Variant, int Round, RunResult Fixed, RunResult Capacity, TimeSpan SuiteCpu, TimeSpan DashboardCpu, TimeSpan PostgresCpu);

    public static async Task<Report> RunAsync(Settings settings, TextWriter log, CancellationToken cancellationToken)
    {
        await using var postgres = await BenchPostgres.StartAsync(cancellationToken);
        // One after the other: the second finds the databases migrated.
        await using var off = await SuiteProcess.StartAsync(Off, postgres, new Dictionary<string, string?> { ["OTEL_SDK_DISABLED"] = "true" }, log, cancellationToken);
        await using var on = await SuiteProcess.StartAsync(On, postgres, new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = "always_on" }, log, cancellationToken);
        foreach (var suite in (SuiteProcess[])[off, on])
        {
            // A fresh suite is slow until the JIT and the connection pools have warmed up: no round may pay for that.
            log.WriteLine($"-- warming {suite.Name} up: 60 s at {settings.Rate:0} req/s, not recorded");
            await LoadRunner.RunAsync(new LoadOptions
            {
                Gateway = suite.Gateway, Rate = settings.Rate, Duration = TimeSpan.FromSeconds(60), WarmUp = TimeSpan.Zero, Mix = settings.Mix,
                Tenants = settings.Tenants, KeepResults = false, Progress = false,
            }, log, cancellationToken);
        }

        var phases = new List<Phase>();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            foreach (var suite in round % 2 == 1 ? [off, on] : (SuiteProcess[])[on, off])
            {
                log.WriteLine($"-- round {round}: {suite.Name}");
                phases.Add(await MeasureAsync(suite, postgres, round, settings, log, cancellationToken));
            }
        }

        return Build(settings, phases);
    }

    private static async Task<Phase> MeasureAsync(SuiteProcess suite, BenchPostgres postgres, int round, Settings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var cpu = new CpuWindow(suite, postgres);
        var fixedRate = await LoadRunner.RunAsync(new LoadOptions
        {
            Gateway = suite.Gateway,
            Rate = settings.Rate,
            Duration = settings.Duration,
            WarmUp = settings.WarmUp,
            Mix = settings.Mix,
            Tenants = settings.Tenants,
            KeepResults = true,
            BeforeMeasured = cpu.StartAsync,
            AfterMeasured = cpu.StopAsync,
        }, log, cancellationToken);
        var capacity = await LoadRunner.RunAsync(new LoadOptions
        {
            Gateway = suite.Gateway,
            VirtualUsers = settings.VirtualUsers,
            Duration = settings.CapacityDuration,
            WarmUp = TimeSpan.FromSeconds(2),
            Mix = settings.Mix,
            Tenants = settings.Tenants,
            PoolUsers = 20,
            PoolOrders = 20,
            KeepResults = false,
        }, log, cancellationToken);
        TimeSpan Used(Func<string, bool> component) => cpu.Used.Where(c => component(c.Key)).Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Value);
        // The suite's CPU leaves out the generator, which the window counts too.
        return new Phase(suite.Name, round, fixedRate, capacity, Used(c => c is not ("dashboard" or "postgres" or CpuWindow.LoadGenerator)), Used(c => c == "dashboard"), Used(c => c == "postgres"));
    }

    /// <summary>Errors over both phases with their kinds, "17 (HTTP 503 12, timeout 5)", so a bad round says what failed.</summary>
    internal static string ErrorText(IEnumerable<ScenarioStats> scenarios)
    {
        var kinds = scenarios.SelectMany(s => s.ErrorOutcomes).GroupBy(o => o.Key, o => o.Value).Select(g => (Kind: g.Key, Count: g.Sum())).OrderByDescending(k => k.Count).ToList();
        var total = Report.Number(kinds.Sum(k => k.Count));
        return kinds.Count == 0 ? total : $"{total} ({string.Join(", ", kinds.Select(k => $"{k.Kind} {Report.Number(k.Count)}"))})";
    }

    /// <summary>The report: every phase, then each variant pooled over its rounds, and the ratios against the targets.</summary>
    public static Report Build(Settings settings, IReadOnlyList<Phase> phases)
    {
        var report = new Report("telemetry-overhead", $"Telemetry overhead: {Off} (OTEL_SDK_DISABLED=true) against {On}, {settings.Rounds} interleaved rounds");
        report.Notes.Add($"Machine: {MachineInfo.Describe()}. The generator and both suites share the cores; the idle suite waits while the other is measured.");
        report.Notes.Add($"Each round and variant: {settings.Rate:0} req/s open model ({settings.Mix}) for {settings.Duration.TotalSeconds:0} s after {settings.WarmUp.TotalSeconds:0} s warm-up, " +
            $"then capacity with {settings.VirtualUsers} closed-model users for {settings.CapacityDuration.TotalSeconds:0} s. Each suite first ran 60 s at the fixed rate, not recorded. Both suites: AppHost Release, Production, no Prometheus, one PostgreSQL (durable).");
        report.Notes.Add("CPU is user + system time from /proc during the fixed-rate phase: the suite's processes (services and AppHost), the dashboard that receives the telemetry, and PostgreSQL.");
        var table = report.Add("Rounds", "round", "variant", "achieved (/s)", "checkout p50", "checkout p99", "errors", "capacity (/s)", "suite CPU ms/req", "dashboard CPU ms/req", "postgres CPU ms/req");
        foreach (var p in phases)
        {
            var checkout = p.Fixed[Scenario.Checkout]!;
            table.Row(Report.Number(p.Round), p.Variant, Report.Number(p.Fixed.Throughput, "N1"), Report.Ms(checkout.Latency.P50), Report.Ms(checkout.Latency.P99),
                ErrorText([.. p.Fixed.Scenarios, .. p.Capacity.Scenarios]), Report.Number(p.Capacity.Throughput, "N1"),
                Report.Ms(p.SuiteCpu.TotalMilliseconds / p.Fixed.Requests), Report.Ms(p.DashboardCpu.TotalMilliseconds / p.Fixed.Requests), Report.Ms(p.PostgresCpu.TotalMilliseconds / p.Fixed.Requests));
        }

        var off = Pool(phases.Where(p => p.Variant == Off).ToList());
        var on = Pool(phases.Where(p => p.Variant == On).ToList());
        var pooled = report.Add("Each variant over all rounds", "variant", "achieved (/s)", "checkout p50", "checkout p90", "checkout p99", "checkout p99.9", "capacity (/s)", "suite + dashboard CPU ms/req");
        foreach (var (name, v) in (ReadOnlySpan<(string, Pooled)>)[(Off, off), (On, on)])
        {
            pooled.Row(name, Report.Number(v.Achieved, "N1"), Report.Ms(v.Checkout.P50), Report.Ms(v.Checkout.P90), Report.Ms(v.Checkout.P99), Report.Ms(v.Checkout.P999),
                Report.Number(v.Capacity, "N1"), Report.Ms(v.CpuPerRequestMs));
        }

        var capacityRatio = on.Capacity / off.Capacity;
        var achievedRatio = on.Achieved / off.Achieved;
        var addedP99 = on.Checkout.P99 - off.Checkout.P99;
        var result = report.Add("Result", "measure", "value", "target", "verdict");
        result.Row("throughput ratio, capacity (closed model, on/off)", $"{capacityRatio:0.000}", ">= 0.97", capacityRatio >= 0.97 ? "met" : "missed");
        result.Row($"throughput ratio at {settings.Rate:0} req/s (open model, on/off)", $"{achievedRatio:0.000}", ">= 0.97", achievedRatio >= 0.97 ? "met" : "missed");
        result.Row("added checkout p99 at the fixed rate", $"{addedP99:+0.00;-0.00} ms", "<= 1 ms", addedP99 <= 1 ? "met" : "missed");
        result.Row("added checkout p50 at the fixed rate", $"{on.Checkout.P50 - off.Checkout.P50:+0.00;-0.00} ms", "", "");
        result.Row("CPU per request, suite + dashboard (on/off)", $"{on.CpuPerRequestMs / off.CpuPerRequestMs:0.00}x ({off.CpuPerRequestMs:0.00} -> {on.CpuPerRequestMs:0.00} ms)", "", "");
        report.Data["capacityRatio"] = capacityRatio;
        report.Data["achievedRatio"] = achievedRatio;
        report.Data["addedCheckoutP99Ms"] = addedP99;
        report.Data["off"] = off;
        report.Data["on"] = on;
        return report;
    }

    private static Pooled Pool(IReadOnlyList<Phase> phases)
    {
        var checkout = Percentiles.Summarize([.. phases.SelectMany(p => p.Fixed.Results).Where(r => r.Scenario == Scenario.Checkout).Select(r => r.LatencyMs)]);
        var requests = phases.Sum(p => p.Fixed.Requests);
        return new Pooled(
            requests / phases.Sum(p => p.Fixed.Elapsed.TotalSeconds),
            phases.Sum(p => p.Capacity.Requests) / phases.Sum(p => p.Capacity.Elapsed.TotalSeconds),
            checkout,
            phases.Sum(p => (p.SuiteCpu + p.DashboardCpu).TotalMilliseconds) / requests);
    }

    /// <summary>A variant over its rounds: achieved fixed-rate throughput, capacity, checkout latency of all rounds together, CPU per request.</summary>
    public sealed record Pooled(double Achieved, double Capacity, LatencySummary Checkout, double CpuPerRequestMs);
}
