using Shop.Conventions;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Query;

/// <summary>Rate, error ratio and latency percentiles of one service's route (HTTP) or method (RPC) over a window.</summary>
internal sealed record RouteMetrics(
    string Service,
    string Kind,
    string Route,
    double Requests,
    double RatePerSecond,
    double ErrorRatio,
    double? P50Seconds,
    double? P95Seconds,
    double? P99Seconds,
    double WindowSeconds);

/// <summary>One step of a route's history: its end (Unix µs) and the step's rate, error ratio and percentiles.</summary>
internal sealed record RoutePoint(long Time, double RatePerSecond, double ErrorRatio, double? P50Seconds, double? P99Seconds);

/// <summary>A route's (or method's) figures step by step over a window, for the charts; a step without a measurement has no point.</summary>
internal sealed record RouteHistory(string Service, string Kind, string Route, double StepSeconds, List<RoutePoint> Points);

/// <summary>
/// Computes <see cref="RouteMetrics"/> from the server duration histograms
/// (<c>http.server.request.duration</c>, <c>rpc.server.call.duration</c>). For cumulative series the
/// window's increase is the last point minus the last point at or before the window start; a changed
/// start time or a falling count is a reset, after which the whole last point counts. Delta series are
/// summed over the window. Percentiles interpolate linearly inside the merged buckets, as Prometheus'
/// histogram_quantile does.
/// </summary>
internal static class ServiceMetrics
{
    public static List<RouteMetrics> Compute(MetricStore store, long nowUnixNano, TimeSpan window, string? service = null)
    {
        var windowStart = nowUnixNano - (long)window.TotalNanoseconds;
        var groups = new Dictionary<(string Service, string Kind, string Route), Accumulator>();
        foreach (var name in MetricStore.AnalysedInstruments)
        {
            var kind = name == TelemetryMetrics.RpcServerCallDuration ? "rpc" : "http";
            foreach (var (series, points) in store.Snapshot(name))
            {
                if ((service is not null && series.Service != service) || WindowIncrease(series.Cumulative, points, windowStart, nowUnixNano) is not { } increase)
                {
                    continue;
                }

                var key = (series.Service, kind, RouteOf(series, kind));
                if (!groups.TryGetValue(key, out var accumulator))
                {
                    groups[key] = accumulator = new Accumulator();
                }

                accumulator.Add(increase, IsError(series, kind));
            }
        }

        // ASP.NET Core also records each gRPC call in http.server.request.duration, as POST /{package.Service}/{Method}:
        // the call is listed once, as its RPC row.
        foreach (var (rpcService, _, method) in groups.Keys.Where(k => k.Kind == "rpc").ToList())
        {
            groups.Remove((rpcService, "http", $"POST /{method}"));
        }

        return groups
            .Select(g => g.Value.Result(g.Key.Service, g.Key.Kind, g.Key.Route, window.TotalSeconds))
            .Where(r => r.Requests > 0)
            .OrderBy(r => r.Service, StringComparer.Ordinal)
            .ThenBy(r => r.Route, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The window cut into steps ending at <paramref name="nowUnixNano"/>, each step computed as <see cref="Compute"/>
    /// computes a window: a series is measured in a step when it exported a point inside it.
    /// </summary>
    public static List<RouteHistory> History(MetricStore store, long nowUnixNano, TimeSpan window, TimeSpan step, string? service = null)
    {
        var steps = Math.Max(1, (int)Math.Ceiling(window / step));
        var histories = new Dictionary<(string Service, string Kind, string Route), RouteHistory>();
        for (var i = steps - 1; i >= 0; i--)
        {
            var end = nowUnixNano - (long)(i * step.TotalNanoseconds);
            foreach (var route in Compute(store, end, step, service))
            {
                var key = (route.Service, route.Kind, route.Route);
                if (!histories.TryGetValue(key, out var history))
                {
                    histories[key] = history = new RouteHistory(route.Service, route.Kind, route.Route, step.TotalSeconds, []);
                }

                history.Points.Add(new RoutePoint(end / 1000, route.RatePerSecond, route.ErrorRatio, route.P50Seconds, route.P99Seconds));
            }
        }

        return [.. histories.Values.OrderBy(h => h.Service, StringComparer.Ordinal).ThenBy(h => h.Route, StringComparer.Ordinal)];
    }

    /// <summary>The φ-quantile of bucket counts: linear inside the bucket, the highest finite bound for the overflow bucket.</summary>
    public static double? Quantile(double phi, double[] bounds, double[] counts)
    {
        var total = counts.Sum();
        if (total <= 0)
        {
            return null;
        }

        var rank = phi * total;
        double cumulative = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (cumulative + counts[i] >= rank && counts[i] > 0)
            {
                if (i >= bounds.Length)
                {
                    return bounds.Length > 0 ? bounds[^1] : null;
                }

                var lower = i == 0 ? Math.Min(0, bounds[0]) : bounds[i - 1];
                return lower + ((bounds[i] - lower) * (rank - cumulative) / counts[i]);
            }

            cumulative += counts[i];
        }

        return bounds.Length > 0 ? bounds[^1] : null;
    }

    private static string RouteOf(MetricSeries series, string kind) => kind == "rpc"
        ? series.Attribute(TelemetryAttributes.RpcMethod) ?? RpcStatusCodes.OtherMethod
        : $"{series.Attribute(TelemetryAttributes.HttpRequestMethod) ?? "_OTHER"} {series.Attribute(TelemetryAttributes.HttpRoute) ?? "(no route)"}";

    internal static bool IsError(MetricSeries series, string kind) => kind == "rpc"
        ? RpcStatusCodes.IsServerFault(series.Attribute(TelemetryAttributes.RpcResponseStatusCode), series.Attribute(TelemetryAttributes.RpcMethod))
        : series.Attribute(TelemetryAttributes.ErrorType) is not null
            || (int.TryParse(series.Attribute(TelemetryAttributes.HttpResponseStatusCode), out var status) && status >= 500);

    /// <summary>Count and bucket increase of one series inside [start, end]; null when it has no points there.</summary>
    internal static Increase? WindowIncrease(bool cumulative, MetricPoint[] points, long start, long end)
    {
        var inWindow = points.Where(p => p.TimeUnixNano > start && p.TimeUnixNano <= end).ToList();
        if (inWindow.Count == 0 || inWindow[^1].Bounds.Length == 0)
        {
            return null;
        }

        var last = inWindow[^1];
        if (!cumulative)
        {
            var buckets = new double[last.BucketCounts.Length];
            double count = 0;
            foreach (var point in inWindow.Where(p => p.BucketCounts.Length == buckets.Length))
            {
                count += point.Count;
                for (var i = 0; i < buckets.Length; i++)
                {
                    buckets[i] += point.BucketCounts[i];
                }
            }

            return new Increase(count, last.Bounds, buckets);
        }

        var baseline = points.LastOrDefault(p => p.TimeUnixNano <= start) ?? (last.StartUnixNano > start ? null : inWindow[0]);
        var reset = baseline is null || baseline.StartUnixNano != last.StartUnixNano || baseline.Count > last.Count
            || baseline.BucketCounts.Length != last.BucketCounts.Length;
        var increase = new double[last.BucketCounts.Length];
        for (var i = 0; i < increase.Length; i++)
        {
            increase[i] = last.BucketCounts[i] - (reset ? 0d : baseline!.BucketCounts[i]);
        }

        return new Increase(last.Count - (reset ? 0d : baseline!.Count), last.Bounds, increase);
    }

    internal sealed record Increase(double Count, double[] Bounds, double[] Buckets);

    private sealed class Accumulator
    {
        private double _count;
        private double _errors;
        private double[]? _bounds;
        private double[]? _buckets;

        public void Add(Increase increase, bool error)
        {
            _count += increase.Count;
            _errors += error ? increase.Count : 0;
            if (_bounds is null)
            {
                (_bounds, _buckets) = (increase.Bounds, (double[])increase.Buckets.Clone());
            }
            else if (_bounds.AsSpan().SequenceEqual(increase.Bounds) && _buckets!.Length == increase.Buckets.Length)
            {
                for (var i = 0; i < _buckets.Length; i++)
                {
                    _buckets[i] += increase.Buckets[i];
                }
            }
        }

        public RouteMetrics Result(string service, string kind, string route, double windowSeconds) => new(
            service,
            kind,
            route,
            _count,
            _count / windowSeconds,
            _count > 0 ? _errors / _count : 0,
            Quantile(0.50, _bounds ?? [], _buckets ?? []),
            Quantile(0.95, _bounds ?? [], _buckets ?? []),
            Quantile(0.99, _bounds ?? [], _buckets ?? []),
            windowSeconds);
    }
}
