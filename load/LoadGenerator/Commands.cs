using System.CommandLine;
using Shop.LoadGenerator.Benchmarks;
using Shop.LoadGenerator.Generation;
using Shop.LoadGenerator.Privacy;
using Shop.LoadGenerator.Reporting;
using Shop.LoadGenerator.Scenarios;
using Shop.LoadGenerator.Slo;
using Shop.LoadGenerator.Suite;

namespace Shop.LoadGenerator;

/// <summary>The command line: <c>run</c> drives load at a running suite, <c>bench</c> runs the benchmarks (each starts its own suite), <c>scan-pii</c> scans a running suite's telemetry.</summary>
internal static class Commands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Shop load generator and benchmarks");
        root.Subcommands.Add(RunCommand());
        root.Subcommands.Add(BenchCommand());
        root.Subcommands.Add(ScanPiiCommand.Build());
        return root;
    }

    private static Command BenchCommand()
    {
        var bench = new Command("bench", "Run a benchmark: each starts its own PostgreSQL and suite (the Release build), prints its table and writes a report under load/reports/");

        var start = new Option<double>("--start") { Description = "First checkout rate probed (/s)", DefaultValueFactory = _ => 25 };
        var max = new Option<double>("--max") { Description = "Highest rate probed (/s)", DefaultValueFactory = _ => 1000 };
        var resolution = new Option<double>("--resolution") { Description = "Stop bisecting when pass and fail are this close (/s)", DefaultValueFactory = _ => 10 };
        var probeSeconds = new Option<double>("--duration") { Description = "Measured seconds per probe", DefaultValueFactory = _ => 20 };
        var rateAtSlo = new Command("rate-at-slo", "Highest constant checkout rate with checkout p99 <= 100 ms and < 0.5% errors, then pgbench on the same PostgreSQL")
        {
            start, max, resolution, probeSeconds,
        };
        rateAtSlo.SetAction((parse, token) => Bench(log => RateAtSloBenchmark.RunAsync(new RateAtSloBenchmark.Settings
        {
            Start = parse.GetValue(start), Max = parse.GetValue(max), Resolution = parse.GetValue(resolution), Duration = TimeSpan.FromSeconds(parse.GetValue(probeSeconds)),
        }, log, token)));

        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds (AB, BA, ...)", DefaultValueFactory = _ => 4 };
        var rate = new Option<double>("--rate") { Description = "Fixed rate of the latency phase (req/s)", DefaultValueFactory = _ => 100 };
        var users = new Option<int>("--vus") { Description = "Closed-model users of the capacity phase", DefaultValueFactory = _ => 16 };
        var seconds = new Option<double>("--duration") { Description = "Measured seconds of each fixed-rate phase", DefaultValueFactory = _ => 20 };
        var mix = new Option<string>("--mix") { Description = "Scenario weights", DefaultValueFactory = _ => ScenarioMix.Default.ToString() };
        var overhead = new Command("overhead", "OTEL_SDK_DISABLED=true against full telemetry, interleaved rounds at a fixed rate and at capacity")
        {
            rounds, rate, users, seconds, mix,
        };
        overhead.SetAction((parse, token) => Bench(log => OverheadBenchmark.RunAsync(new OverheadBenchmark.Settings
        {
            Rounds = parse.GetValue(rounds), Rate = parse.GetValue(rate), VirtualUsers = parse.GetValue(users),
            Duration = TimeSpan.FromSeconds(parse.GetValue(seconds)), Mix = ScenarioMix.Parse(parse.GetValue(mix)!),
        }, log, token)));

        var captureRate = new Option<double>("--rate") { Description = "Checkouts per second", DefaultValueFactory = _ => 40 };
        var captureSeconds = new Option<double>("--duration") { Description = "Measured seconds", DefaultValueFactory = _ => 150 };
        var capture = new Command("capture", "5% failing and 5% slow payments with tail sampling at 10%: captured/expected per class, looked up in the dashboard")
        {
            captureRate, captureSeconds,
        };
        capture.SetAction((parse, token) => Bench(log => CaptureBenchmark.RunAsync(new CaptureBenchmark.Settings
        {
            Rate = parse.GetValue(captureRate), Duration = TimeSpan.FromSeconds(parse.GetValue(captureSeconds)),
        }, log, token)));

        var pgbenchSeconds = new Option<int>("--duration") { Description = "Seconds per client count", DefaultValueFactory = _ => 15 };
        var clients = new Option<int[]>("--clients") { Description = "Client counts", DefaultValueFactory = _ => [8, 32], AllowMultipleArgumentsPerToken = true };
        var pgbench = new Command("pgbench", "pgbench alone (one INSERT per transaction) against the embedded PostgreSQL the benchmarks use")
        {
            pgbenchSeconds, clients,
        };
        pgbench.SetAction((parse, token) => Bench(async log =>
        {
            await using var postgres = await BenchPostgres.StartAsync(token);
            var report = new Report("pgbench", "pgbench against the embedded PostgreSQL (durable)");
            report.Notes.Add($"Machine: {MachineInfo.Describe()}.");
            var duration = parse.GetValue(pgbenchSeconds);
            RateAtSloBenchmark.AddPgbench(report, await Pgbench.RunAsync(postgres.ConnectionString, parse.GetValue(clients)!, duration, log, token), duration, null, null);
            return report;
        }));

        bench.Subcommands.Add(rateAtSlo);
        bench.Subcommands.Add(CpuSplitCommand());
        bench.Subcommands.Add(overhead);
        bench.Subcommands.Add(capture);
        bench.Subcommands.Add(pgbench);
        bench.Subcommands.Add(SoakCommand());
        return bench;
    }

    private static Command CpuSplitCommand()
    {
        var rounds = new Option<int>("--rounds") { Description = "Rounds; with --env each runs both variants, alternating (AB, BA, ...)", DefaultValueFactory = _ => 2 };
        var rate = new Option<double>("--rate") { Description = "Fixed rate (req/s)", DefaultValueFactory = _ => 100 };
        var seconds = new Option<double>("--duration") { Description = "Measured seconds per run", DefaultValueFactory = _ => 30 };
        var mix = new Option<string>("--mix") { Description = "Scenario weights", DefaultValueFactory = _ => ScenarioMix.Default.ToString() };
        var environment = new Option<string[]>("--env") { Description = "NAME=VALUE set on the AppHost (every process it starts inherits it) for the second variant; repeatable", AllowMultipleArgumentsPerToken = false };
        var warmUp = new Option<double>("--warmup") { Description = "Unrecorded seconds at the rate on each fresh suite (tiered compilation settles in about 50 s at 100 req/s)", DefaultValueFactory = _ => 60 };
        var split = new Command("split", "CPU per request of each process at a fixed rate; with --env, the suite as built against the same build with those variables, in alternating runs")
        {
            rounds, rate, seconds, warmUp, mix, environment,
        };
        split.Validators.Add(result =>
        {
            try
            {
                CpuSplitBenchmark.ParseEnvironment(result.GetValue(environment) ?? []);
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
        split.SetAction((parse, token) => Bench(log => CpuSplitBenchmark.RunAsync(new CpuSplitBenchmark.Settings
        {
            Rounds = parse.GetValue(rounds), Rate = parse.GetValue(rate), Duration = TimeSpan.FromSeconds(parse.GetValue(seconds)),
            SuiteWarmUp = TimeSpan.FromSeconds(parse.GetValue(warmUp)), Mix = ScenarioMix.Parse(parse.GetValue(mix)!), Environment = CpuSplitBenchmark.ParseEnvironment(parse.GetValue(environment) ?? []),
        }, log, token)));
        return split;
    }

    private static Command SoakCommand()
    {
        var rate = new Option<double>("--rate") { Description = "Requests per second of the mix (about 60% of the rate at SLO)", DefaultValueFactory = _ => 30 };
        var seconds = new Option<double>("--duration") { Description = "Measured seconds; the faults come at 20%, 45% and 70% of it", DefaultValueFactory = _ => 600 };
        var down = new Option<double>("--down") { Description = "Seconds a killed service or the stopped PostgreSQL stays down", DefaultValueFactory = _ => 10 };
        var soak = new Command("soak", "20% failing and 5% slow payments, kill -9 of payments and of orders, a PostgreSQL restart; then reconciles the databases: lost orders, double and orphan charges must be 0 (exit code 1 otherwise)")
        {
            rate, seconds, down,
        };
        soak.SetAction((parse, token) => Bench(async log => (await Soak.SoakBenchmark.RunAsync(new Soak.SoakBenchmark.Settings
        {
            Rate = parse.GetValue(rate), Duration = TimeSpan.FromSeconds(parse.GetValue(seconds)), Down = TimeSpan.FromSeconds(parse.GetValue(down)),
        }, log, token)).Report));
        return soak;
    }

    private static async Task<int> Bench(Func<TextWriter, Task<Report>> benchmark)
    {
        Console.WriteLine($"Load average {MachineInfo.LoadAverage():0.00} at the start.");
        var cpu = MachineInfo.CpuJiffies();
        var report = await benchmark(Console.Out);
        var steal = MachineInfo.StealShare(cpu, MachineInfo.CpuJiffies());
        report.Notes.Insert(0, $"CPU steal during the benchmark: {steal:P1} of the machine's CPU time went to other guests of the hypervisor (/proc/stat).");
        report.Data["cpuSteal"] = steal;
        report.Print();
        report.Write();
        return report.Failed ? 1 : 0;
    }

    private static Command RunCommand()
    {
        var endpoints = new Option<FileInfo?>("--endpoints") { Description = "endpoints.json of a running suite (default <repo>/.shop/run/endpoints.json)" };
        var gateway = new Option<Uri?>("--gateway") { Description = "Gateway base URL; overrides --endpoints" };
        var rate = new Option<double?>("--rate") { Description = "Open model: requests per second (constant arrival rate)" };
        var users = new Option<int>("--vus") { Description = "Closed model (when no --rate): virtual users", DefaultValueFactory = _ => 16 };
        var duration = new Option<double>("--duration") { Description = "Measured seconds", DefaultValueFactory = _ => 30 };
        var warmUp = new Option<double>("--warmup") { Description = "Warm-up seconds at the same load, not recorded", DefaultValueFactory = _ => 5 };
        var mix = new Option<string>("--mix") { Description = "Scenario weights", DefaultValueFactory = _ => ScenarioMix.Default.ToString() };
        var tenants = new Option<int>("--tenants") { Description = "Tenants spread over requests (X-Tenant-Id)", DefaultValueFactory = _ => 8 };
        var poolUsers = new Option<int>("--pool-users") { Description = "Users registered before the run", DefaultValueFactory = _ => 200 };
        var connections = new Option<int>("--connections") { Description = "Maximum connections to the gateway", DefaultValueFactory = _ => 256 };
        var traceLog = new Option<string?>("--trace-log") { Description = "JSON lines file of every request's trace id (default load/reports/traces-<time>.jsonl)" };
        var slos = new Option<FileInfo?>("--slos") { Description = "SLO file (default <repo>/observability/slos.yaml)" };
        var command = new Command("run", "Drive load at a running suite and report latency, errors and SLO verdicts")
        {
            endpoints, gateway, rate, users, duration, warmUp, mix, tenants, poolUsers, connections, traceLog, slos,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new LoadOptions
            {
                Gateway = parse.GetValue(gateway) ?? SuiteEndpoints.Read(parse.GetValue(endpoints)?.FullName ?? SuiteEndpoints.DefaultPath).Gateway,
                Rate = parse.GetValue(rate),
                VirtualUsers = parse.GetValue(users),
                Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                WarmUp = TimeSpan.FromSeconds(parse.GetValue(warmUp)),
                Mix = ScenarioMix.Parse(parse.GetValue(mix)!),
                Tenants = parse.GetValue(tenants),
                PoolUsers = parse.GetValue(poolUsers),
                MaxConnections = parse.GetValue(connections),
                TraceLogPath = parse.GetValue(traceLog) ?? RepoRoot.Of("load", "reports", $"traces-{DateTime.UtcNow:yyyyMMdd-HHmmss}.jsonl"),
            };
            var catalog = SloCatalog.Load(parse.GetValue(slos)?.FullName ?? RepoRoot.Of("observability", "slos.yaml"));
            Console.WriteLine($"{options.Model} for {options.Duration.TotalSeconds:0} s after {options.WarmUp.TotalSeconds:0} s warm-up at {options.Gateway}; load average {MachineInfo.LoadAverage():0.00}");
            var run = await LoadRunner.RunAsync(options, Console.Out, cancellationToken);
            var report = RunReport.Build(run, catalog.Judge(run.Results));
            report.Print();
            report.Write();
            return 0;
        });
        return command;
    }
}
