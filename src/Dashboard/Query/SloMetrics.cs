using Shop.Conventions;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Query;

/// <summary>An SLO's state: its error budget left over the stored window, its burn rates now and step by step.</summary>
internal sealed record SloStatus(
    string Name,
    string Service,
    double Objective,
    string Description,
    string Type,
    double? Threshold,
    IReadOnlyDictionary<string, string> Selector,
    double BudgetWindowSeconds,
    double Requests,
    double BadRequests,
    double? BudgetRemaining,
    IReadOnlyDictionary<string, double?> BurnRates,
    List<SloPoint> History);

/// <summary>One step of the burn-rate charts: its end (Unix µs) and the burn rate over each window ending there.</summary>
internal sealed record SloPoint(long Time, IReadOnlyDictionary<string, double?> BurnRates);

/// <summary>
/// SLIs from the server duration histograms the dashboard keeps, computed the way the Prometheus rules generated
/// from observability/slos.yaml compute them: availability counts HTTP 5xx or a gRPC server-fault code (or
/// error.type) as bad, latency counts requests above the threshold bucket boundary as bad. The burn rate is the bad
/// ratio over a window divided by the error budget (1 - objective); 1 spends the budget exactly over the period.
/// </summary>
internal static class SloMetrics
{
    /// <summary>The burn-rate windows the SLO page charts: the page alerts' short and long windows and the ticket alert's.</summary>
    public static readonly IReadOnlyList<(string Name, TimeSpan Window)> BurnWindows =
        [("5m", TimeSpan.FromMinutes(5)), ("1h", TimeSpan.FromHours(1)), ("6h", TimeSpan.FromHours(6))];

    public static SloStatus Compute(SloOptions slo, MetricStore store, long nowUnixNano, TimeSpan budgetWindow, TimeSpan chart, TimeSpan step)
    {
        var (total, bad) = Count(slo, store, nowUnixNano - (long)budgetWindow.TotalNanoseconds, nowUnixNano);
        var budget = 1 - (slo.Objective / 100);
        var history = new List<SloPoint>();
        for (var end = nowUnixNano - (long)chart.TotalNanoseconds + (long)step.TotalNanoseconds; end <= nowUnixNano; end += (long)step.TotalNanoseconds)
        {
            history.Add(new SloPoint(end / 1000, BurnRates(slo, store, end, budget)));
        }

        return new SloStatus(slo.Name, slo.Service, slo.Objective, slo.Description, slo.Type, slo.Threshold, slo.Selector,
            budgetWindow.TotalSeconds, total, bad,
            total > 0 && budget > 0 ? 1 - (bad / total / budget) : null,
            BurnRates(slo, store, nowUnixNano, budget), history);
    }

    private static Dictionary<string, double?> BurnRates(SloOptions slo, MetricStore store, long end, double budget) =>
        BurnWindows.ToDictionary(w => w.Name, w =>
        {
            var (total, bad) = Count(slo, store, end - (long)w.Window.TotalNanoseconds, end);
            return total > 0 && budget > 0 ? bad / total / budget : (double?)null;
        });

    /// <summary>Eligible and bad requests of <paramref name="slo"/> in (start, end].</summary>
    public static (double Total, double Bad) Count(SloOptions slo, MetricStore store, long start, long end)
    {
        var grpc = slo.Type.StartsWith("grpc", StringComparison.Ordinal);
        var latency = slo.Type.EndsWith("latency", StringComparison.Ordinal);
        var kind = grpc ? "rpc" : "http";
        double total = 0, bad = 0;
        foreach (var (series, points) in store.Snapshot(grpc ? TelemetryMetrics.RpcServerCallDuration : TelemetryMetrics.HttpServerRequestDuration))
        {
            if (series.Service != slo.Service || !slo.Selector.All(m => series.Attribute(AttributeKey(m.Key)) == m.Value)
                || ServiceMetrics.WindowIncrease(series.Cumulative, points, start, end) is not { } increase)
            {
                continue;
            }

            total += increase.Count;
            if (!latency)
            {
                bad += ServiceMetrics.IsError(series, kind) ? increase.Count : 0;
                continue;
            }

            // Requests in the buckets above the threshold's boundary (the overflow bucket included).
            var fast = 0d;
            for (var i = 0; i < increase.Bounds.Length && increase.Bounds[i] <= slo.Threshold.GetValueOrDefault() + 1e-9; i++)
            {
                fast += increase.Buckets[i];
            }

            bad += increase.Count - fast;
        }

        return (total, bad);
    }

    /// <summary>A Prometheus label name of slos.yaml (http_route) as the OTLP attribute key (http.route).</summary>
    private static string AttributeKey(string selectorKey) => selectorKey.Replace('_', '.');
}
