using Shop.LoadGenerator.Generation;
using Shop.LoadGenerator.Reporting;
using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Benchmarks;

/// <summary>
/// Where the CPU goes: CPU time per request of each process (the services, both dashboards, the AppHost with DCP,
/// PostgreSQL, this generator) at a fixed rate. With variables (<c>--env K=V</c>) it compares the suite as built with
/// the same build under those variables, in alternating runs (A B, B A, ...) on a fresh suite each, so the machine's
/// drift hits both alike: the method behind the side-by-side tables of load/README.md.
/// </summary>
internal static class CpuSplitBenchmark
{
    public const string AsBuilt = "as built";

    public sealed record Settings
    {
        public int Rounds { get; init; } = 2;
        public double Rate { get; init; } = 100;
        public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
        /// <summary>
        /// Unrecorded load on each fresh suite first. Tiered compilation is still recompiling the hot methods for most of
        /// a minute at 100 req/s (the services' dotnet.jit.compiled_methods levels off after about 50 s): a shorter
        /// warm-up measures that, not the steady state.
        /// </summary>
        public TimeSpan SuiteWarmUp { get; init; } = TimeSpan.FromSeconds(60);
        public ScenarioMix Mix { get; init; } = ScenarioMix.Default;
        public int Tenants { get; init; } = 8;

        /// <summary>The second variant's variables, set on the AppHost, which every process it starts inherits; none: one variant.</summary>
        public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    }

    /// <summary>One measured run: CPU ms per request by process, and what the generator achieved.</summary>
    public sealed record Run(string Variant, int Round, double Achieved, int Requests, IReadOnlyDictionary<string, double> CpuPerRequestMs);

    /// <summary>Parses <c>K=V</c> pairs; a pair without '=' or with an empty name is an error that names it.</summary>
    public static Dictionary<string, string?> ParseEnvironment(IEnumerable<string> pairs)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--env takes NAME=VALUE, not '{pair}'");
            }

            environment[pair[..equals]] = pair[(equals + 1)..];
        }

        return environment;
    }

    public static async Task<Report> RunAsync(Settings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var variants = new List<(string Name, IReadOnlyDictionary<string, string?> Environment)> { (AsBuilt, new Dictionary<string, string?>()) };
        if (settings.Environment.Count > 0)
        {
            variants.Add((VariantName(settings.Environment), settings.Environment));
        }

        await using var postgres = await BenchPostgres.StartAsync(cancellationToken);
        var runs = new List<Run>();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            foreach (var (name, environment) in round % 2 == 1 ? variants : Enumerable.Reverse(variants))
            {
                log.WriteLine($"-- round {round}: {name}");
                await using var suite = await SuiteProcess.StartAsync(name, postgres, environment, log, cancellationToken);
                // A fresh suite is slow until the JIT and the connection pools have warmed up: not recorded.
                await LoadRunner.RunAsync(Options(suite, settings) with { Duration = settings.SuiteWarmUp, Progress = false }, log, cancellationToken);
                var cpu = new CpuWindow(suite, postgres);
                var run = await LoadRunner.RunAsync(Options(suite, settings) with { BeforeMeasured = cpu.StartAsync, AfterMeasured = cpu.StopAsync }, log, cancellationToken);
                runs.Add(new Run(name, round, run.Throughput, run.Requests, cpu.Used.ToDictionary(c => c.Key, c => c.Value.TotalMilliseconds / run.Requests)));
                log.WriteLine($"-- {name}, round {round}: {runs[^1].CpuPerRequestMs.Values.Sum():0.00} ms of CPU per request");
            }
        }

        return Build(settings, runs);
    }

    /// <summary>The report: every run by process, then each variant's mean and the difference between them.</summary>
    public static Report Build(Settings settings, IReadOnlyList<Run> runs)
    {
        var variants = runs.Select(r => r.Variant).Distinct().ToList();
        var report = new Report("cpu-split", variants.Count > 1
            ? $"CPU per request by process: {variants[0]} against {variants[1]}, {settings.Rounds} alternating rounds"
            : $"CPU per request by process, {settings.Rounds} runs");
        report.Notes.Add($"Machine: {MachineInfo.Describe()}.");
        report.Notes.Add($"Each run: a fresh suite (AppHost Release, Production, no Prometheus, the benchmark's PostgreSQL, durable), {settings.SuiteWarmUp.TotalSeconds:0} s at the rate not recorded, " +
            $"then {settings.Rate:0} req/s open model ({settings.Mix}) for {settings.Duration.TotalSeconds:0} s. CPU is user + system time from /proc over the measured phase, divided by the requests sent.");

        // Components in the order of their mean share, the busiest first; one column per run, so the table stays narrow.
        var components = runs.SelectMany(r => r.CpuPerRequestMs.Keys).Distinct()
            .OrderByDescending(c => runs.Average(r => r.CpuPerRequestMs.GetValueOrDefault(c))).ToList();
        var perRun = report.Add("CPU ms per request, each run", ["process", .. runs.Select(r => $"{r.Variant} #{r.Round}")]);
        foreach (var component in components)
        {
            perRun.Row([component, .. runs.Select(r => Report.Ms(r.CpuPerRequestMs.GetValueOrDefault(component)))]);
        }

        perRun.Row(["total", .. runs.Select(r => Report.Ms(r.CpuPerRequestMs.Values.Sum()))]);
        perRun.Row(["achieved (req/s)", .. runs.Select(r => Report.Number(r.Achieved, "N1"))]);

        var means = variants.ToDictionary(v => v, v => Mean(runs.Where(r => r.Variant == v).ToList(), components));
        var columns = variants.Count > 1 ? ["process", .. variants.Select(v => $"{v}, mean"), "difference", "ratio"] : new[] { "process", $"{variants[0]}, mean" };
        var summary = report.Add("Each variant over its runs (CPU ms per request)", columns);
        foreach (var component in components.Append(RateAtSloBenchmark.TotalKey))
        {
            var values = variants.Select(v => means[v][component]).ToList();
            summary.Row(variants.Count > 1
                ? [component, .. values.Select(Report.Ms), $"{values[1] - values[0]:+0.00;-0.00}", values[0] > 0 ? $"{values[1] / values[0]:0.00}x" : "-"]
                : [component, Report.Ms(values[0])]);
        }

        report.Data["runs"] = runs;
        report.Data["means"] = means;
        return report;
    }

    private static Dictionary<string, double> Mean(IReadOnlyList<Run> runs, IReadOnlyList<string> components)
    {
        var mean = components.ToDictionary(c => c, c => runs.Average(r => r.CpuPerRequestMs.GetValueOrDefault(c)));
        mean[RateAtSloBenchmark.TotalKey] = runs.Average(r => r.CpuPerRequestMs.Values.Sum());
        return mean;
    }

    private static string VariantName(IReadOnlyDictionary<string, string?> environment) =>
        string.Join(" ", environment.Select(e => $"{e.Key}={e.Value}"));

    private static LoadOptions Options(SuiteProcess suite, Settings settings) => new()
    {
        Gateway = suite.Gateway,
        Rate = settings.Rate,
        Duration = settings.Duration,
        WarmUp = TimeSpan.Zero,
        Mix = settings.Mix,
        Tenants = settings.Tenants,
        KeepResults = false,
        Progress = false,
    };
}
