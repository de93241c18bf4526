using System.CommandLine;
using Shop.LoadGenerator.Generation;
using Shop.LoadGenerator.Reporting;
using Shop.LoadGenerator.Scenarios;
using Shop.LoadGenerator.Slo;
using Shop.LoadGenerator.Suite;

namespace Shop.LoadGenerator;

/// <summary>The command line: <c>run</c> drives load at a running suite, <c>bench</c> runs the benchmarks (each starts its own suite).</summary>
internal static class Commands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Shop load generator and benchmarks");
        root.Subcommands.Add(RunCommand());
        return root;
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
