namespace Shop.LoadGenerator.Recording;

/// <summary>Exact percentiles of a set of latencies (nearest rank: the smallest value with at least p% of values at or below it).</summary>
internal static class Percentiles
{
    public static double Of(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        // The small epsilon keeps binary rounding (99.9 / 100 * 1000 = 999.0000000000001) from skipping a rank.
        var rank = (int)Math.Ceiling((percent * sorted.Count / 100.0) - 1e-9);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    /// <summary>p50, p90, p99, p99.9 and max of unsorted latencies in milliseconds.</summary>
    public static LatencySummary Summarize(List<double> latenciesMs)
    {
        latenciesMs.Sort();
        return new LatencySummary(latenciesMs.Count, Of(latenciesMs, 50), Of(latenciesMs, 90), Of(latenciesMs, 99), Of(latenciesMs, 99.9),
            latenciesMs.Count == 0 ? double.NaN : latenciesMs[^1]);
    }
}

/// <summary>Latency percentiles in milliseconds.</summary>
internal sealed record LatencySummary(int Count, double P50, double P90, double P99, double P999, double Max);
