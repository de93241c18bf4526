using System.Globalization;
using System.Text.Json;

namespace Shop.Workshop.Check.Modules;

/// <summary>
/// Module 2: payments' fault is set through its admin API, Prometheus' SLO alert for payments fired and reached
/// Alertmanager, the Shop dashboard's root-cause report names payments, and the learner followed it to a failing trace.
/// </summary>
internal static class FaultAlertCheck
{
    public const string Service = "payments";

    public static async Task RunAsync(SuiteClient suite, string? traceId, CheckReport report, CancellationToken cancellationToken)
    {
        var endpoints = suite.Endpoints;

        // 1. The fault, read back with the admin token.
        if (!endpoints.Services.TryGetValue(Service, out var payments) || endpoints.PaymentsAdminToken is null)
        {
            report.Miss("endpoints.json has no payments address or paymentsAdminToken: start the suite with dotnet run --project AppHost");
        }
        else
        {
            using var faults = await suite.GetJsonAsync(new Uri(payments, "/admin/faults"), bearer: endpoints.PaymentsAdminToken, cancellationToken: cancellationToken);
            var rate = faults?.RootElement.TryGetProperty("failureRate", out var r) == true ? r.GetDouble() : 0;
            report.Expect(rate > 0,
                string.Create(CultureInfo.InvariantCulture, $"payments fails {rate:P0} of its charges (GET /admin/faults)"),
                "the payments fault is not set: GET /admin/faults says failureRate 0 (step 2: PUT /admin/faults with {\"failureRate\":0.5})");
        }

        // 2. The alert in Alertmanager (Prometheus sent it there).
        if (endpoints.Alertmanager is null)
        {
            report.Miss("endpoints.json has no alertmanager: install prometheus and prometheus-alertmanager and start the suite again (README.md, Prerequisites)");
        }
        else
        {
            using var alerts = await suite.GetJsonAsync(new Uri(endpoints.Alertmanager, "/api/v2/alerts?active=true"), cancellationToken: cancellationToken);
            var firing = alerts is null ? [] : FiringSloAlerts(alerts.RootElement, Service);
            report.Expect(firing.Count > 0,
                $"Alertmanager has the alert: {string.Join(", ", firing)}",
                "Alertmanager has no firing ErrorBudgetBurn alert with service=\"payments\": keep checkouts going (step 3) until Prometheus' Alerts page shows it firing, then wait about 30 s for Alertmanager");
        }

        // 3. The dashboard received it and its root-cause report names payments.
        using (var received = await suite.GetJsonAsync(new Uri(endpoints.Dashboard, "/api/alerts"), cancellationToken: cancellationToken))
        {
            var causes = received is null ? [] : ReportedCauses(received.RootElement);
            var named = causes.Where(c => c.Service == Service).Select(c => c.Operation).FirstOrDefault();
            report.Expect(named is not null,
                $"the Shop dashboard's root-cause report names {Service} {named}",
                "the Shop dashboard has no root-cause report naming payments (its Alerts page): " + (causes.Count == 0
                    ? "no alert has reached it yet; Alertmanager delivers to the dashboard's webhook after its group wait (30 s), the analysis follows within seconds"
                    : $"its reports name {string.Join(", ", causes.Select(c => c.Service).Distinct())}"));
        }

        // 4. The failing trace the learner followed the report to.
        if (traceId is null)
        {
            report.Miss("no failing trace given: open one of the report's failing traces and run ./workshop/check 2 <its trace id>");
            return;
        }

        var spans = await suite.ShopDashboardTraceAsync(traceId, cancellationToken);
        var failing = spans.FirstOrDefault(s => s.Service == Service && s.Error);
        report.Expect(failing is not null,
            $"trace {traceId} fails in payments ({failing?.Name}: {failing?.Attribute("rpc.response.status_code") ?? failing?.Attribute("otel.status_description")})",
            spans.Count == 0
                ? $"the Shop dashboard has no trace {traceId}: copy the trace id from one of the report's failing traces"
                : $"trace {traceId} has no failed payments span: pick a trace the report lists as failing (red in the waterfall)");
    }

    /// <summary>"slo (severity)" of every active alert in Alertmanager's /api/v2/alerts answer whose labels name <paramref name="service"/>.</summary>
    public static List<string> FiringSloAlerts(JsonElement alerts, string service) =>
    [
        .. alerts.EnumerateArray()
            .Where(a => a.TryGetProperty("labels", out var labels)
                        && Label(labels, "alertname") == "ErrorBudgetBurn" && Label(labels, "service") == service
                        && (!a.TryGetProperty("status", out var status) || !status.TryGetProperty("state", out var state) || state.GetString() == "active"))
            .Select(a => $"{Label(a.GetProperty("labels"), "slo")} ({Label(a.GetProperty("labels"), "severity")})")
            .Distinct(),
    ];

    /// <summary>The likely causes of the analysed alerts in the Shop dashboard's /api/alerts answer.</summary>
    public static List<(string Service, string Operation)> ReportedCauses(JsonElement answer)
    {
        var causes = new List<(string, string)>();
        if (!answer.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            return causes;
        }

        foreach (var alert in data.EnumerateArray())
        {
            if (alert.TryGetProperty("report", out var report) && report.ValueKind == JsonValueKind.Object
                && report.TryGetProperty("cause", out var cause) && cause.ValueKind == JsonValueKind.Object)
            {
                causes.Add((cause.GetProperty("service").GetString() ?? "", cause.GetProperty("operation").GetString() ?? ""));
            }
        }

        return causes;
    }

    private static string? Label(JsonElement labels, string name) => labels.TryGetProperty(name, out var value) ? value.GetString() : null;
}
