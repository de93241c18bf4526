using System.Globalization;

namespace Shop.Workshop.Check.Modules;

/// <summary>
/// Module 1: the checkout whose trace id the learner found has the same shape in both dashboards: a gateway
/// <c>POST /api/orders</c> server span, spans of orders and payments, and PostgreSQL spans.
/// </summary>
internal static class CheckoutTraceCheck
{
    public static readonly string[] Services = ["gateway", "orders", "payments"];

    public static async Task RunAsync(SuiteClient suite, string traceId, CheckReport report, CancellationToken cancellationToken)
    {
        var shop = await suite.EventuallyAsync(() => suite.ShopDashboardTraceAsync(traceId, cancellationToken), Complete, cancellationToken);
        Judge("the Shop dashboard", suite.Endpoints.Dashboard + $"api/traces/{traceId}", shop, report);
        var aspire = await suite.EventuallyAsync(() => suite.AspireDashboardTraceAsync(traceId, cancellationToken), Complete, cancellationToken);
        Judge("the Aspire dashboard", suite.Endpoints.AspireDashboard + $"api/telemetry/traces/{traceId}", aspire, report);
    }

    /// <summary>Adds one line per part of a checkout trace found in (or missing from) <paramref name="where"/>.</summary>
    public static void Judge(string where, string url, IReadOnlyList<TraceSpan> spans, CheckReport report)
    {
        if (spans.Count == 0)
        {
            report.Miss($"{where} has no trace with this id ({url}): pass the trace id of a checkout (the traceId of POST /api/orders' answer, or its traceresponse header)");
            return;
        }

        report.Expect(spans.Any(IsCheckoutRoot),
            $"{where}: the trace starts at the gateway's POST /api/orders",
            $"{where}: the trace has no gateway server span POST /api/orders: this is not a checkout's trace");
        foreach (var service in Services)
        {
            var count = spans.Count(s => s.Service == service);
            report.Expect(count > 0,
                $"{where}: {count} span{(count == 1 ? "" : "s")} of {service}",
                $"{where}: no span of {service} in the trace");
        }

        var database = spans.Where(s => s.IsDatabase).ToList();
        report.Expect(database.Count > 0,
            string.Create(CultureInfo.InvariantCulture, $"{where}: {database.Count} database spans, from {string.Join(" and ", database.Select(s => s.Service).Distinct().Order(StringComparer.Ordinal))}"),
            $"{where}: no database span (attribute db.system.name) in the trace");
    }

    public static bool IsCheckoutRoot(TraceSpan span) => span.Service == "gateway" && span.Kind == "server" && span.Name == "POST /api/orders";

    private static bool Complete(List<TraceSpan> spans) =>
        spans.Count > 0 && spans.Any(IsCheckoutRoot) && Services.All(service => spans.Any(s => s.Service == service)) && spans.Any(s => s.IsDatabase);
}
