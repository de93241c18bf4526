using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Shop.ServiceDefaults.Metrics;

/// <summary>
/// An exemplar as exposed: trace and span id, value, timestamp. The measurement's filtered attributes are
/// not written: they exist only under a view that limits attribute keys, and Shop configures none.
/// </summary>
internal sealed record PrometheusExemplar(string? TraceId, string? SpanId, double Value, DateTimeOffset Timestamp);

/// <summary>One cumulative histogram bucket: its upper bound (le), the count of values at or below it, and an exemplar that fell into it.</summary>
internal sealed record PrometheusBucket(double UpperBound, long CumulativeCount, PrometheusExemplar? Exemplar);

/// <summary>
/// One labelled series of a family: a value (counter, gauge) or buckets, sum and count (histogram).
/// </summary>
internal sealed record PrometheusSeries(
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    double Value,
    PrometheusExemplar? Exemplar,
    IReadOnlyList<PrometheusBucket>? Buckets = null,
    double? Sum = null,
    long Count = 0);

/// <summary>A metric family: name (without the counter's _total), type, help, unit word, and its series.</summary>
internal sealed class PrometheusFamily(string name, PrometheusType type, string help, string? unit)
{
    public string Name { get; } = name;

    public PrometheusType Type { get; } = type;

    public string Help { get; } = help;

    public string? Unit { get; } = unit;

    public List<PrometheusSeries> Series { get; } = [];

    /// <summary>Every name this family uses in either text format: its own and its samples'.</summary>
    public IEnumerable<string> ClaimedNames() => Type switch
    {
        PrometheusType.Counter => [Name, Name + "_total", Name + "_created"],
        PrometheusType.Histogram => [Name, Name + "_bucket", Name + "_sum", Name + "_count", Name + "_created"],
        _ => [Name],
    };
}

/// <summary>What one collection produced, converted to Prometheus families, plus the resource as target info labels.</summary>
internal sealed record PrometheusSnapshot(IReadOnlyList<KeyValuePair<string, string>> TargetInfo, IReadOnlyList<PrometheusFamily> Families)
{
    /// <summary>Nothing collected: what /metrics serves when the SDK is disabled.</summary>
    public static PrometheusSnapshot Empty { get; } = new([], []);

    /// <summary>The name of the info family that carries the resource attributes.</summary>
    public const string TargetInfoName = "target";

    /// <summary>
    /// Converts the metrics of one cumulative collection. Metrics whose names would clash with a family
    /// already taken (another type under the same name, or target_info) are dropped with a warning;
    /// same-named metrics of the same type from different meters share one family.
    /// </summary>
    public static PrometheusSnapshot From(in Batch<Metric> batch, Resource resource, Action<Metric, string>? dropped = null)
    {
        var families = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        var claimed = new HashSet<string>(StringComparer.Ordinal) { TargetInfoName, TargetInfoName + "_info" };
        var ordered = new List<PrometheusFamily>();
        var seriesKeys = new HashSet<string>(StringComparer.Ordinal);

        foreach (var metric in batch)
        {
            if (TypeOf(metric) is not { } type)
            {
                continue;
            }

            var (name, unit) = PrometheusNaming.MetricName(metric.Name, metric.Unit, type);
            if (families.TryGetValue(name, out var family))
            {
                if (family.Type != type)
                {
                    dropped?.Invoke(metric, $"{name} is already a {family.Type.ToString().ToLowerInvariant()} family");
                    continue;
                }
            }
            else
            {
                // HELP is expected on every family; an instrument without a description is named by its OpenTelemetry name.
                var help = string.IsNullOrWhiteSpace(metric.Description) ? $"OpenTelemetry instrument {metric.Name}" : metric.Description;
                var candidate = new PrometheusFamily(name, type, help, unit);
                if (candidate.ClaimedNames().FirstOrDefault(claimed.Contains) is { } taken)
                {
                    dropped?.Invoke(metric, $"the name {taken} is already taken by another family");
                    continue;
                }

                claimed.UnionWith(candidate.ClaimedNames());
                families[name] = family = candidate;
                ordered.Add(family);
            }

            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var series = Convert(metric, type, point);
                if (seriesKeys.Add(name + "\u0000" + string.Join('\u0000', series.Labels.Select(l => l.Key + "=" + l.Value))))
                {
                    family.Series.Add(series);
                }
            }
        }

        return new PrometheusSnapshot(PrometheusNaming.Labels(resource.Attributes!), ordered);
    }

    private static PrometheusType? TypeOf(Metric metric)
    {
        // A pull exporter serves cumulative data only; exponential histograms have no classic-bucket form.
        if (metric.Temporality != AggregationTemporality.Cumulative)
        {
            return null;
        }

        return metric.MetricType switch
        {
            MetricType.LongSum or MetricType.DoubleSum => PrometheusType.Counter,
            MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic => PrometheusType.Gauge,
            MetricType.LongGauge or MetricType.DoubleGauge => PrometheusType.Gauge,
            MetricType.Histogram => PrometheusType.Histogram,
            _ => null,
        };
    }

    private static PrometheusSeries Convert(Metric metric, PrometheusType type, in MetricPoint point)
    {
        var labels = PrometheusNaming.Labels(PointAttributes(metric, point));
        var exemplars = point.TryGetExemplars(out var collection) ? Exemplars(metric, collection) : [];

        switch (type)
        {
            case PrometheusType.Histogram:
                return Histogram(labels, point, exemplars);
            case PrometheusType.Counter:
                var total = metric.MetricType.IsLong() ? point.GetSumLong() : point.GetSumDouble();
                // A counter sample carries the latest exemplar.
                return new PrometheusSeries(labels, total, exemplars.MaxBy(e => e.Timestamp));
            default:
                var value = metric.MetricType switch
                {
                    MetricType.LongGauge => point.GetGaugeLastValueLong(),
                    MetricType.DoubleGauge => point.GetGaugeLastValueDouble(),
                    MetricType.LongSumNonMonotonic => point.GetSumLong(),
                    _ => point.GetSumDouble(),
                };
                return new PrometheusSeries(labels, value, Exemplar: null);
        }
    }

    private static PrometheusSeries Histogram(List<KeyValuePair<string, string>> labels, in MetricPoint point, List<PrometheusExemplar> exemplars)
    {
        // "le" is the bucket label; an attribute of that name would make every bucket ambiguous.
        labels.RemoveAll(label => label.Key == "le");

        var buckets = new List<PrometheusBucket>();
        var cumulative = 0L;
        var lower = double.NegativeInfinity;
        var anyNegativeBound = false;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            cumulative += bucket.BucketCount;
            var upper = bucket.ExplicitBound;
            anyNegativeBound |= upper < 0;

            // The latest exemplar whose value falls into (lower, upper].
            var exemplar = exemplars.Where(e => e.Value > lower && e.Value <= upper).MaxBy(e => e.Timestamp);
            buckets.Add(new PrometheusBucket(upper, cumulative, exemplar));
            lower = upper;
        }

        // With negative buckets the sum is no longer a counter, so OpenMetrics forbids exposing it.
        double? sum = anyNegativeBound ? null : point.GetHistogramSum();
        return new PrometheusSeries(labels, 0, null, buckets, sum, point.GetHistogramCount());
    }

    /// <summary>The point's attributes plus the instrumentation scope as otel_scope_* labels.</summary>
    private static IEnumerable<KeyValuePair<string, object?>> PointAttributes(Metric metric, MetricPoint point)
    {
        foreach (var tag in point.Tags)
        {
            yield return tag;
        }

        yield return new("otel_scope_name", metric.MeterName);
        yield return new("otel_scope_version", metric.MeterVersion);
        yield return new("otel_scope_schema_url", metric.MeterSchemaUrl);
        foreach (var (key, value) in metric.MeterTags ?? [])
        {
            var name = PrometheusNaming.LabelName("otel_scope_" + key);
            if (name is not ("otel_scope_name" or "otel_scope_version" or "otel_scope_schema_url"))
            {
                yield return new("otel_scope_" + key, value);
            }
        }
    }

    private static List<PrometheusExemplar> Exemplars(Metric metric, ReadOnlyExemplarCollection collection)
    {
        var result = new List<PrometheusExemplar>();
        foreach (ref readonly var exemplar in collection)
        {
            var value = metric.MetricType.IsLong() && !metric.MetricType.IsHistogram() ? exemplar.LongValue : exemplar.DoubleValue;
            var sampled = exemplar.TraceId != default;
            result.Add(new PrometheusExemplar(
                sampled ? exemplar.TraceId.ToHexString() : null,
                sampled ? exemplar.SpanId.ToHexString() : null,
                value,
                exemplar.Timestamp));
        }

        return result;
    }
}
