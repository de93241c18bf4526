using System.Text.Json;

namespace Shop.Workshop.Check.Modules;

/// <summary>
/// Module 4: orders exposes the histogram <c>shop.outbox.delay</c>, observability/rules/outbox.yml records its SLO's
/// error ratio and alerts on its burn rate, observability/tests/outbox.test.yml tests the alert with promtool, and the
/// running Prometheus loaded the rules and evaluates them over the scraped metric.
/// </summary>
internal static class CustomMetricCheck
{
    public const string Slo = "outbox-delay";
    public const string Family = "shop_outbox_delay_seconds";
    public const string RulesFile = "observability/rules/outbox.yml";
    public const string TestFile = "observability/tests/outbox.test.yml";
    public const string RecordedRatio = "slo:sli_error:ratio_rate5m";

    public static async Task RunAsync(SuiteClient suite, string repository, CheckReport report, CancellationToken cancellationToken)
    {
        await CheckFilesAsync(repository, report, cancellationToken);

        // The metric, from orders' /metrics: a checkout writes an outbox row, the publisher records its delay within a second or two.
        if (!suite.Endpoints.Services.TryGetValue("orders", out var orders))
        {
            report.Miss("endpoints.json has no orders address");
            return;
        }

        await suite.CheckoutAsync(1, cancellationToken);
        var exposition = await suite.EventuallyAsync(() => suite.GetTextAsync(new Uri(orders, "/metrics"), cancellationToken),
            text => text.Contains(Family + "_bucket", StringComparison.Ordinal), cancellationToken);
        report.Expect(exposition.Contains(Family + "_bucket", StringComparison.Ordinal),
            $"orders exposes {Family} on /metrics",
            $"orders' /metrics has no {Family}_bucket after a checkout: record shop.outbox.delay (unit s) when the outbox publisher publishes (step 1), then restart the suite");

        // The rules in the running Prometheus.
        if (suite.Endpoints.Prometheus is not { } prometheus)
        {
            report.Miss("endpoints.json has no prometheus: install prometheus and prometheus-alertmanager and start the suite again");
            return;
        }

        using (var rules = await suite.GetJsonAsync(new Uri(prometheus, "/api/v1/rules"), cancellationToken: cancellationToken))
        {
            var (records, alerts) = rules is null ? ([], []) : LoadedRules(rules.RootElement, Slo);
            report.Expect(records.Contains(RecordedRatio),
                $"Prometheus loaded the recording rules {string.Join(", ", records)} for slo=\"{Slo}\"",
                $"Prometheus has no recording rule {RecordedRatio} labelled slo=\"{Slo}\": write it in {RulesFile} (step 2) and restart the suite (the AppHost loads observability/rules/*.yml)");
            report.Expect(alerts.Count > 0,
                $"Prometheus loaded the alert {string.Join(", ", alerts)} for slo=\"{Slo}\"",
                $"Prometheus has no alerting rule labelled slo=\"{Slo}\" (step 2)");
        }

        var query = Uri.EscapeDataString($"{RecordedRatio}{{slo=\"{Slo}\"}}");
        using var result = await suite.EventuallyAsync(() => suite.GetJsonAsync(new Uri(prometheus, $"/api/v1/query?query={query}"), cancellationToken: cancellationToken),
            answer => answer is not null && Samples(answer.RootElement) > 0, cancellationToken);
        report.Expect(result is not null && Samples(result.RootElement) > 0,
            $"Prometheus evaluates {RecordedRatio}{{slo=\"{Slo}\"}} over the scraped {Family}",
            $"Prometheus has no value of {RecordedRatio}{{slo=\"{Slo}\"}}: the rule must select {Family} with job=\"orders\" and the bucket le=\"5.0\" (OpenMetrics spells it so; le=~\"5|5\\\\.0\" matches both spellings), after a checkout in the last 5 minutes");
    }

    private static async Task CheckFilesAsync(string repository, CheckReport report, CancellationToken cancellationToken)
    {
        var rules = Path.Combine(repository, RulesFile);
        var tests = Path.Combine(repository, TestFile);
        var rulesExist = report.Expect(File.Exists(rules), $"{RulesFile} exists", $"{RulesFile} does not exist (step 2)");
        var testsExist = report.Expect(File.Exists(tests), $"{TestFile} exists", $"{TestFile} does not exist (step 3)");
        if (Promtool.Find() is not { } promtool)
        {
            report.Miss("promtool is not on PATH (Debian/Ubuntu: sudo apt-get install prometheus)");
            return;
        }

        if (rulesExist)
        {
            var (code, output) = await Promtool.RunAsync(promtool, repository, ["check", "rules", RulesFile], cancellationToken);
            report.Expect(code == 0, $"promtool check rules {RulesFile}: SUCCESS", $"promtool check rules {RulesFile} fails: {FirstLines(output)}");
        }

        if (testsExist)
        {
            var text = await File.ReadAllTextAsync(tests, cancellationToken);
            report.Expect(text.Contains("alert_rule_test", StringComparison.Ordinal) && text.Contains(Slo, StringComparison.Ordinal),
                $"{TestFile} tests the {Slo} alert",
                $"{TestFile} has no alert_rule_test expecting an alert labelled slo: {Slo} (step 3)");
            var (code, output) = await Promtool.RunAsync(promtool, repository, ["test", "rules", TestFile], cancellationToken);
            report.Expect(code == 0, $"promtool test rules {TestFile}: SUCCESS", $"promtool test rules {TestFile} fails: {FirstLines(output)}");
        }
    }

    /// <summary>Names of the recording rules and alerts of Prometheus' /api/v1/rules answer labelled slo=<paramref name="slo"/>.</summary>
    public static (List<string> Records, List<string> Alerts) LoadedRules(JsonElement answer, string slo)
    {
        var records = new List<string>();
        var alerts = new List<string>();
        foreach (var group in answer.GetProperty("data").GetProperty("groups").EnumerateArray())
        {
            foreach (var rule in group.GetProperty("rules").EnumerateArray())
            {
                if (!rule.TryGetProperty("labels", out var labels) || !labels.TryGetProperty("slo", out var label) || label.GetString() != slo)
                {
                    continue;
                }

                var name = rule.GetProperty("name").GetString() ?? "";
                var list = rule.GetProperty("type").GetString() == "alerting" ? alerts : records;
                if (!list.Contains(name))
                {
                    list.Add(name);
                }
            }
        }

        return (records, alerts);
    }

    private static int Samples(JsonElement answer) =>
        answer.TryGetProperty("data", out var data) && data.TryGetProperty("result", out var result) ? result.GetArrayLength() : 0;

    private static string FirstLines(string output) => string.Join(" | ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(4));
}
