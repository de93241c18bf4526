using Microsoft.Extensions.Options;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Alerts;

/// <summary>Runs <see cref="RootCauseAnalysis"/> over the span store: for an alert's service and window, or on demand.</summary>
internal sealed class AlertAnalyzer(SpanStore spans, IOptions<DashboardOptions> options, TimeProvider time)
{
    private readonly AlertOptions _options = options.Value.Alerts;

    public TimeSpan Lookback => _options.Lookback;

    /// <summary>The traces of <paramref name="request"/>'s service with a span starting in its window (the newest, up to MaxTraces), analysed.</summary>
    public RcaReport Analyze(RcaRequest request)
    {
        var traces = spans.FindTraces(new TraceQuery(request.Service, null, new Dictionary<string, string>(), 0, 0,
            request.StartUnixNano, request.EndUnixNano, _options.MaxTraces));
        return RootCauseAnalysis.Analyze(request, traces, time.GetUtcNow());
    }

    /// <summary>The analysis of a firing or resolved alert: its service, from its start minus the lookback to its end (or now).</summary>
    public RcaReport? Analyze(AlertEntry alert, out string? problem)
    {
        if (alert.Service is not { } service)
        {
            problem = "the alert has neither a service nor a job label, so there is no service to analyse";
            return null;
        }

        var end = alert.EndsAt is { } ends && ends <= time.GetUtcNow() ? ends : time.GetUtcNow();
        var start = alert.StartsAt - _options.Lookback;
        problem = null;
        return Analyze(new RcaRequest(service, ToNanos(start), ToNanos(end), IsLatencyAlert(alert.Labels)));
    }

    /// <summary>A latency SLO's alert (slo label such as checkout-latency) looks for where time goes before where errors start.</summary>
    public static bool IsLatencyAlert(IReadOnlyDictionary<string, string> labels) =>
        labels.GetValueOrDefault("slo")?.Contains("latency", StringComparison.OrdinalIgnoreCase) == true
        || labels.GetValueOrDefault("alertname")?.Contains("latency", StringComparison.OrdinalIgnoreCase) == true;

    private static long ToNanos(DateTimeOffset time) => time.ToUnixTimeMilliseconds() * 1_000_000;
}
