using Shop.LoadGenerator.Generation;
using Shop.LoadGenerator.Slo;

namespace Shop.LoadGenerator.Reporting;

/// <summary>The report of one generator run: latency per scenario, throughput, errors by kind, SLO verdicts.</summary>
internal static class RunReport
{
    public static Report Build(RunResult run, IReadOnlyList<SloVerdict> verdicts, string name = "load", string? title = null)
    {
        var report = new Report(name, title ?? $"Load run: {run.Options.Model}, {run.Options.Duration.TotalSeconds:0} s");
        report.Notes.Add($"Machine: {MachineInfo.Describe()}.");
        report.Notes.Add($"Gateway {run.Options.Gateway}; mix {run.Options.Mix}; {run.Options.Tenants} tenants; warm-up {run.Options.WarmUp.TotalSeconds:0} s; " +
            $"{run.Requests:N0} requests in {run.Elapsed.TotalSeconds:0.0} s = {run.Throughput:N1} req/s; at most {run.MaxInFlight} in flight.");
        report.Notes.Add("Latency counts from each request's intended start (open model), so queueing is included; service time counts from the actual send.");
        if (run.TraceLogPath is not null)
        {
            report.Notes.Add($"Trace ids: {run.TraceLogPath}");
        }

        AddScenarios(report, run);
        var errors = report.Add("Errors by kind", "scenario", "kind", "count");
        foreach (var s in run.Scenarios)
        {
            foreach (var (kind, count) in s.ErrorOutcomes.OrderByDescending(o => o.Value))
            {
                errors.Row(s.Scenario, kind, Report.Number(count));
            }
        }

        if (errors.Rows.Count == 0)
        {
            errors.Row("all", "none", "0");
        }

        var slos = report.Add("SLOs (observability/slos.yaml), judged from the client", "slo", "objective", "good", "verdict");
        foreach (var v in verdicts)
        {
            slos.Row(v.Name, $"{v.Objective}%", v.GoodPercent is { } p ? $"{p:0.000}% ({v.Good:N0}/{v.Eligible:N0})" : "-", v.Verdict);
        }

        report.Data["throughput"] = run.Throughput;
        report.Data["requests"] = run.Requests;
        report.Data["elapsedSeconds"] = run.Elapsed.TotalSeconds;
        report.Data["loadAverage"] = MachineInfo.LoadAverage();
        report.Data["scenarios"] = run.Scenarios;
        report.Data["slos"] = verdicts;
        return report;
    }

    public static void AddScenarios(Report report, RunResult run, string? heading = null)
    {
        var table = report.Add(heading ?? "Latency per scenario (ms, from intended start)", "scenario", "requests", "req/s", "p50", "p90", "p99", "p99.9", "max", "errors", "service p99");
        foreach (var s in run.Scenarios)
        {
            table.Row(s.Scenario, Report.Number(s.Requests), Report.Number(s.Requests / run.Elapsed.TotalSeconds, "N1"),
                Report.Ms(s.Latency.P50), Report.Ms(s.Latency.P90), Report.Ms(s.Latency.P99), Report.Ms(s.Latency.P999), Report.Ms(s.Latency.Max),
                Report.Number(s.Errors), Report.Ms(s.ServiceTime.P99));
        }
    }
}
