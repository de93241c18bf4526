using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Shop.Conventions;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>
/// Every duration histogram in seconds gets the same buckets, which include the SLO thresholds: the
/// instrumentations' defaults have no bucket edge at some of them, so a ratio "faster than X" could not be read.
/// </summary>
internal static class SloHistogramBuckets
{
    public static ExplicitBucketHistogramConfiguration? View(Instrument instrument) =>
        instrument.Unit == "s" && instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>)
            ? new ExplicitBucketHistogramConfiguration { Boundaries = TelemetryMetrics.DurationBucketsSeconds }
            : null;
}
