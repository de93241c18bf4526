using Shop.Hosting;
using Shop.Workshop.Check;
using Shop.Workshop.Check.Modules;

// ./workshop/check N [argument] [--endpoints FILE] [--repo DIR] [--trace-log FILE]: see workshop/README.md.
const string Usage = """
    usage: ./workshop/check N [argument] [--endpoints FILE] [--repo DIR] [--trace-log FILE] [--wait SECONDS]
      1 TRACE-ID     the checkout you followed through both dashboards
      2 TRACE-ID     payments broken, alert fired, root cause named, one failing trace from the report
      3              order.line_count on the checkout's spans, found by trace search
      4              shop.outbox.delay, its SLO rules and their promtool test
      5 [SERVICE]    a fifth service, called by orders over gRPC
      6              the slowest hop of your load test and its metric (workshop/answers/06.txt)
    --endpoints FILE  the suite's endpoints.json (default <repo>/.shop/run/endpoints.json)
    --repo DIR        the working tree to check (default: the repository this program runs from)
    --trace-log FILE  module 6: the load generator's trace log (default the newest load/reports/traces-*.jsonl)
    --wait SECONDS    how long to wait for telemetry to arrive (default 60)
    """;

var options = CheckOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var repository = options.Repository ?? RepositoryRoot.FindAbove(Directory.GetCurrentDirectory(), AppContext.BaseDirectory);
if (repository is null)
{
    Console.Error.WriteLine("Shop.sln was not found above the current directory: run ./workshop/check inside the repository, or pass --repo DIR.");
    return 2;
}

var report = new CheckReport();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
try
{
    var endpoints = SuiteEndpoints.Read(options.Endpoints ?? Path.Combine(repository, ".shop", "run", "endpoints.json"));
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    var suite = new SuiteClient(endpoints, http) { TelemetryDeadline = options.Wait };
    switch (options.Module)
    {
        case 1 when options.Argument is { } traceId:
            await CheckoutTraceCheck.RunAsync(suite, traceId, report, cancel.Token);
            break;
        case 1:
            report.Miss("no trace id given: run ./workshop/check 1 <the checkout's trace id> (step 3 prints it)");
            break;
        case 2:
            await FaultAlertCheck.RunAsync(suite, options.Argument, report, cancel.Token);
            break;
        case 3:
            await BusinessAttributeCheck.RunAsync(suite, repository, report, cancel.Token);
            break;
        case 4:
            await CustomMetricCheck.RunAsync(suite, repository, report, cancel.Token);
            break;
        case 5:
            await NewServiceCheck.RunAsync(suite, options.Argument, report, cancel.Token);
            break;
        case 6:
            await SlowestHopCheck.RunAsync(suite, repository, options.TraceLog, report, cancel.Token);
            break;
    }
}
catch (Exception e) when (e is EndpointsException or SuiteException)
{
    report.Miss(e.Message);
}

return report.Print(options.Module, Console.Out);
