using System.Text.Json;
using Npgsql;
using Shop.Hosting;
using Shop.LoadGenerator.Benchmarks;
using Shop.LoadGenerator.Recording;
using Shop.LoadGenerator.Reporting;
using Shop.LoadGenerator.Scenarios;
using Shop.Testing;

namespace Shop.LoadGenerator.Tests;

public sealed class RateSearchTests
{
    [Theory]
    [InlineData(437)]
    [InlineData(120)]
    [InlineData(951)]
    public async Task Search_ends_within_the_resolution_below_the_true_limit_and_confirms_it(double limit)
    {
        var search = new RateSearch(Start: 100, Max: 1000, Resolution: 10);

        var result = await search.FindAsync(rate => Task.FromResult(rate <= limit));

        Assert.InRange(result.Best!.Value, limit - 10, limit);
        Assert.True(result.LowestFailure > limit);
        Assert.True(result.Confirmed);
        Assert.Equal(result.Best, result.Probes[^1].Rate);
    }

    [Fact]
    public async Task A_best_rate_that_fails_its_confirmation_becomes_an_upper_bound()
    {
        // Everything up to 250 always passes; the first probe above it passes once by luck, and never again.
        double? lucky = null;
        var search = new RateSearch(Start: 100, Max: 1000, Growth: 1.5, Resolution: 30);

        var result = await search.FindAsync(rate => Task.FromResult(rate <= 250 || (lucky is null && rate < 300 && (lucky = rate) is not null)));

        Assert.NotNull(lucky);
        Assert.Contains((lucky.Value, true), result.Probes);
        Assert.Contains((lucky.Value, false), result.Probes);
        Assert.InRange(result.Best!.Value, 220, 250);
        Assert.True(result.Confirmed);
    }

    [Fact]
    public async Task When_even_the_lowest_rates_fail_there_is_no_best_rate()
    {
        var result = await new RateSearch(Start: 100, Max: 1000, Resolution: 10).FindAsync(_ => Task.FromResult(false));

        Assert.Null(result.Best);
        Assert.False(result.Confirmed);
        Assert.All(result.Probes, p => Assert.False(p.Passed));
    }

    [Fact]
    public async Task When_the_maximum_passes_it_is_the_answer()
    {
        var result = await new RateSearch(Start: 100, Max: 400, Resolution: 10).FindAsync(_ => Task.FromResult(true));

        Assert.Equal(400, result.Best);
        Assert.Null(result.LowestFailure);
        Assert.True(result.Confirmed);
    }
}

public sealed class CaptureTallyTests
{
    [Fact]
    public void Checkouts_are_sorted_by_what_the_client_saw_and_counted_against_the_captured_ids()
    {
        RequestResult Checkout(string? traceId, int status, double serviceMs, string? exception = null) =>
            new(Scenario.Checkout, status, exception, serviceMs + 1, serviceMs, traceId, 0);
        var results = new[]
        {
            Checkout("e1", 202, 12), Checkout("e2", 503, 900), Checkout("e3", 0, 30_000, "timeout"),
            Checkout("s1", 201, 812), Checkout("s2", 201, 800),
            Checkout("n1", 201, 9), Checkout("n2", 201, 499.9), Checkout("n3", 201, 14),
            Checkout("b1", 201, 650),
            Checkout(null, 201, 10),
            new RequestResult(Scenario.ReadOrder, 200, null, 3, 3, "r1", 0),
        };

        var tally = CaptureTally.Count(results, new HashSet<string> { "e1", "e2", "s1", "n3", "r1" }, slowThresholdMs: 500, injectedLatencyMs: 800);

        Assert.Equal(new CaptureClassCount(3, 2), tally.Error);
        Assert.Equal(new CaptureClassCount(2, 1), tally.Slow);
        Assert.Equal(new CaptureClassCount(3, 1), tally.Normal);
        Assert.Equal(new CaptureClassCount(1, 0), tally.InBetween);
        Assert.Equal(1, tally.WithoutTraceId);
        Assert.Equal(9, tally.Total);
    }
}

public sealed class PgbenchTests
{
    [Fact]
    public async Task Pgbench_runs_against_a_real_server_and_its_count_is_the_rows_it_inserted()
    {
        await using var postgres = await EmbeddedPostgres.StartAsync();

        var results = await Pgbench.RunAsync(postgres.ConnectionString, [2], seconds: 2, TextWriter.Null, CancellationToken.None);

        var result = Assert.Single(results);
        Assert.Equal(2, result.Clients);
        Assert.Equal(0, result.Failed);
        Assert.True(result.TransactionsPerSecond > 0);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = Pgbench.Database }.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM inserts", connection);
        Assert.Equal(result.Transactions, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public void Output_without_a_summary_is_an_error_that_shows_it()
    {
        var error = Assert.Throws<InvalidDataException>(() => Pgbench.Parse(1, "connection to server failed"));

        Assert.Contains("connection to server failed", error.Message, StringComparison.Ordinal);
    }
}

public sealed class RateAtSloFiguresTests
{
    private static readonly PgbenchResult[] PgbenchRuns = [new(8, 90_000, 0, 1.3, 6_000), new(32, 150_000, 0, 3.2, 10_000)];

    [Fact]
    public void The_issue_figures_are_in_the_summary_with_their_targets_and_in_the_JSON_data_next_to_the_best_rate()
    {
        var cpu = RateAtSloBenchmark.CpuPerCheckoutMs(new Dictionary<string, TimeSpan>
        {
            ["postgres"] = TimeSpan.FromMilliseconds(1_000),
            ["orders"] = TimeSpan.FromMilliseconds(3_000),
            ["load generator"] = TimeSpan.FromMilliseconds(500),
        }, checkouts: 500);
        var report = new Report("rate-at-slo", "figures");
        report.Data["bestRate"] = 250.0;
        var summary = report.Add("Result", "measure", "value", "target");

        RateAtSloBenchmark.AddFigures(report, summary, bestRate: 250, transactionsPerCheckout: 3.96, cpu, new RateAtSloBenchmark.HalfRateLatency(125, 21.5), PgbenchRuns);

        var data = WrittenData(report);
        Assert.Equal(250, data.GetProperty("bestRate").GetDouble());
        Assert.Equal(3.96, data.GetProperty("transactionsPerCheckout").GetDouble());
        Assert.Equal(10_000, data.GetProperty("pgbenchBestTps").GetDouble());
        Assert.Equal(125, data.GetProperty("p99AtHalfRate").GetProperty("rate").GetDouble());
        Assert.Equal(21.5, data.GetProperty("p99AtHalfRate").GetProperty("p99Ms").GetDouble());
        (string, double)[] cpuPerCheckout = [("total", 9.0), ("orders", 6.0), ("postgres", 2.0), ("load generator", 1.0)];
        Assert.Equal(cpuPerCheckout, data.GetProperty("cpuPerCheckoutMs").EnumerateObject().Select(p => (p.Name, p.Value.GetDouble())));
        string[][] rows =
        [
            ["rate at SLO / pgbench's best tps", $"{0.025:P2} (250/s of {10_000.0:N0} tps)", ">= 3.3%"],
            ["PostgreSQL transactions per checkout", "3.96", "<= 4"],
            ["CPU per checkout, all processes", "9.00 ms", "<= 5 ms"],
            ["checkout p99 at half that rate", "21.5 ms at 125/s", "<= 30 ms"],
        ];
        Assert.Equal(rows, summary.Rows);
    }

    [Fact]
    public void Without_a_passing_rate_the_figures_are_null_and_the_summary_says_so()
    {
        var report = new Report("rate-at-slo", "figures");
        var summary = report.Add("Result", "measure", "value", "target");

        RateAtSloBenchmark.AddFigures(report, summary, bestRate: null, transactionsPerCheckout: null, cpuPerCheckoutMs: null, halfRate: null, PgbenchRuns);

        var data = WrittenData(report);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("transactionsPerCheckout").ValueKind);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("cpuPerCheckoutMs").ValueKind);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("p99AtHalfRate").ValueKind);
        Assert.Equal(10_000, data.GetProperty("pgbenchBestTps").GetDouble());
        Assert.All(summary.Rows, row => Assert.Equal("-", row[1]));
    }

    private static JsonElement WrittenData(Report report)
    {
        using var directory = new TempDirectory();
        report.Write(directory.FullPath);
        var json = Assert.Single(Directory.GetFiles(directory.FullPath, "*.json"));
        return JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("data").Clone();
    }
}

public sealed class CpuSplitReportTests
{
    private static CpuSplitBenchmark.Run Run(string variant, int round, double orders, double postgres) =>
        new(variant, round, 100, 3_000, new Dictionary<string, double> { ["orders"] = orders, ["postgres"] = postgres });

    [Fact]
    public void Each_variant_is_averaged_over_its_runs_by_process_and_compared_with_the_build_as_it_is()
    {
        const string spinning = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0x46";
        CpuSplitBenchmark.Run[] runs =
        [
            Run(CpuSplitBenchmark.AsBuilt, 1, orders: 2.0, postgres: 1.0), Run(spinning, 1, orders: 3.0, postgres: 1.0),
            Run(spinning, 2, orders: 5.0, postgres: 2.0), Run(CpuSplitBenchmark.AsBuilt, 2, orders: 4.0, postgres: 1.0),
        ];

        var report = CpuSplitBenchmark.Build(new CpuSplitBenchmark.Settings(), runs);

        var perRun = report.Sections[0];
        Assert.Equal(["process", "as built #1", $"{spinning} #1", $"{spinning} #2", "as built #2"], perRun.Columns);
        Assert.Equal(["orders", "2.00", "3.00", "5.00", "4.00"], perRun.Rows[0]);
        Assert.Equal(["total", "3.00", "4.00", "7.00", "5.00"], perRun.Rows[2]);
        var summary = report.Sections[1];
        string[][] rows =
        [
            ["orders", "3.00", "4.00", "+1.00", "1.33x"],
            ["postgres", "1.00", "1.50", "+0.50", "1.50x"],
            ["total", "4.00", "5.50", "+1.50", "1.38x"],
        ];
        Assert.Equal(rows, summary.Rows);
    }

    [Fact]
    public void Variables_are_name_value_pairs_and_anything_else_is_an_error_that_names_it()
    {
        var environment = CpuSplitBenchmark.ParseEnvironment(["OTEL_SDK_DISABLED=true", "Logging__LogLevel__Default=Warning", "EMPTY="]);
        Assert.Equal(new Dictionary<string, string?> { ["OTEL_SDK_DISABLED"] = "true", ["Logging__LogLevel__Default"] = "Warning", ["EMPTY"] = "" }, environment);
        Assert.Contains("'OTEL_SDK_DISABLED'", Assert.Throws<ArgumentException>(() => CpuSplitBenchmark.ParseEnvironment(["OTEL_SDK_DISABLED"])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CpuSplitBenchmark.ParseEnvironment(["=1"]));
    }
}

public sealed class OverheadReportTests
{
    private static ScenarioStats Stats(string scenario, Dictionary<string, int> outcomes) =>
        new(scenario, Percentiles.Summarize([1, 2, 3]), Percentiles.Summarize([1, 2, 3]), outcomes);

    [Fact]
    public void A_rounds_errors_name_their_kinds_summed_over_both_phases()
    {
        var text = OverheadBenchmark.ErrorText([
            Stats("checkout", new() { ["201"] = 90, ["HTTP 503"] = 2, ["timeout"] = 1 }),
            Stats("read-user", new() { ["200"] = 40, ["HTTP 503"] = 10 }),
        ]);

        Assert.Equal("13 (HTTP 503 12, timeout 1)", text);
    }

    [Fact]
    public void A_round_without_errors_reads_zero()
    {
        Assert.Equal("0", OverheadBenchmark.ErrorText([Stats("checkout", new() { ["201"] = 5, ["202"] = 1 })]));
    }
}

public sealed class ProcessCpuTests
{
    private static CpuSnapshot Snapshot(params (int Pid, string Component, int Ms)[] processes)
    {
        var snapshot = new CpuSnapshot();
        foreach (var (pid, component, ms) in processes)
        {
            snapshot[pid] = (component, TimeSpan.FromMilliseconds(ms));
        }

        return snapshot;
    }

    [Fact]
    public void A_process_that_exits_in_the_window_cannot_make_its_component_negative()
    {
        // Backend 11 ran 900 ms and exited; backend 13 started and used 40 ms; 12 went on from 100 to 150 ms.
        var used = ProcessCpu.Used(
            Snapshot((10, "postgres", 500), (11, "postgres", 900), (12, "postgres", 100), (20, "orders", 1000)),
            Snapshot((10, "postgres", 510), (12, "postgres", 150), (13, "postgres", 40), (20, "orders", 1300)));

        Assert.Equal(TimeSpan.FromMilliseconds(100), used["postgres"]);
        Assert.Equal(TimeSpan.FromMilliseconds(300), used["orders"]);
    }

    [Fact]
    public void A_reused_process_id_counts_as_a_new_process()
    {
        var used = ProcessCpu.Used(Snapshot((30, "postgres", 800)), Snapshot((30, "postgres", 20)));

        Assert.Equal(TimeSpan.FromMilliseconds(20), used["postgres"]);
    }

    [Fact]
    public async Task A_reading_from_proc_matches_the_CPU_time_the_child_reports_for_itself()
    {
        // A fixed amount of work, then the shell's own account of its CPU time ("times"), then idle. The test waits
        // for that report instead of for a time span, so a loaded machine only makes it slower, never wrong.
        var start = new System.Diagnostics.ProcessStartInfo("sh", ["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; times; exec sleep 60"])
        {
            RedirectStandardOutput = true,
        };
        using var child = System.Diagnostics.Process.Start(start)!;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var own = await child.StandardOutput.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("the child ended without its report");
            var used = ProcessCpu.Used([], ProcessCpu.Snapshot([child.Id], _ => "child"))["child"];

            // "0m0.250000s 0m0.010000s": user and system time of the shell itself.
            var reported = own.Split(' ').Select(ShellTime).Aggregate(TimeSpan.Zero, (a, b) => a + b);
            Assert.True(reported > TimeSpan.Zero, own);
            // /proc counts in clock ticks (10 ms) and the exec'd sleep adds almost nothing.
            Assert.InRange(used, reported - TimeSpan.FromMilliseconds(20), reported + TimeSpan.FromMilliseconds(50));
        }
        finally
        {
            child.Kill(entireProcessTree: true);
        }
    }

    private static TimeSpan ShellTime(string text)
    {
        var minutes = text.IndexOf('m', StringComparison.Ordinal);
        return TimeSpan.FromMinutes(int.Parse(text[..minutes], System.Globalization.CultureInfo.InvariantCulture))
            + TimeSpan.FromSeconds(double.Parse(text[(minutes + 1)..].TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed class BenchSuiteTests
{
    [Fact]
    public async Task A_benchmark_suite_runs_the_AppHost_on_the_benchmarks_postgres_and_accounts_CPU_per_component()
    {
        await using var postgres = await BenchPostgres.StartAsync(CancellationToken.None);
        var before = await postgres.TransactionsAsync(CancellationToken.None);
        await using var suite = await SuiteProcess.StartAsync("test", postgres, new Dictionary<string, string?>(), TextWriter.Null, CancellationToken.None);
        using var client = new ShopClient(suite.Gateway, tenants: 2, maxConnections: 4, TimeSpan.FromSeconds(30));

        await client.PrepareAsync(users: 2, orders: 2, CancellationToken.None);

        Assert.Equal(2, client.OrderCount);
        var cpu = ProcessCpu.Used([], suite.CpuTimes().With(postgres.CpuTimes()));
        Assert.Equal(["apphost", "aspire-dashboard", "dashboard", "gateway", "orders", "payments", "postgres", "users"], cpu.Keys.Order());
        Assert.All(cpu, c => Assert.True(c.Value > TimeSpan.Zero, c.Key));
        // pg_stat_database lags by up to PGSTAT_IDLE_INTERVAL (10 s), longer on a busy machine: wait for the count to move.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        long after;
        while ((after = await postgres.TransactionsAsync(CancellationToken.None)) <= before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.True(after > before, $"pg_stat_database still counted {after} transactions (before the suite: {before}) after 90 s");
    }
}
