using Shop.Conventions;

namespace Shop.Dashboard.Store;

internal enum InstrumentType
{
    Gauge,
    Sum,
    Histogram,
    ExponentialHistogram,
    Summary,
}

/// <summary>One data point, reduced to what the dashboard shows: a number, or histogram count, sum and buckets.</summary>
internal sealed record MetricPoint(
    long StartUnixNano,
    long TimeUnixNano,
    double Value,
    ulong Count,
    double Sum,
    double[] Bounds,
    ulong[] BucketCounts);

/// <summary>One time series: a service's instrument with one attribute set.</summary>
internal sealed class MetricSeries(string service, string name, StoredAttribute[] attributes, bool cumulative)
{
    private readonly List<MetricPoint> _points = [];

    public string Service { get; } = service;

    public string Name { get; } = name;

    public StoredAttribute[] Attributes { get; } = attributes;

    public bool Cumulative { get; set; } = cumulative;

    public MetricPoint? Latest => _points.Count > 0 ? _points[^1] : null;

    /// <summary>Points oldest first (a copy; the store keeps adding).</summary>
    public MetricPoint[] Points => [.. _points];

    public string? Attribute(string key)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Key == key)
            {
                return attribute.ValueText;
            }
        }

        return null;
    }

    internal void Add(MetricPoint point, bool keepHistory, long retainAfterUnixNano, int maxPoints)
    {
        if (!keepHistory)
        {
            _points.Clear();
            _points.Add(point);
            return;
        }

        // Points usually arrive in order; an out-of-order one is inserted where it belongs.
        var index = _points.Count;
        while (index > 0 && _points[index - 1].TimeUnixNano > point.TimeUnixNano)
        {
            index--;
        }

        _points.Insert(index, point);
        var expired = 0;
        while (expired < _points.Count - 1 && (_points[expired].TimeUnixNano < retainAfterUnixNano || _points.Count - expired > maxPoints))
        {
            expired++;
        }

        // Keep one point at or before the window start: it is the baseline of cumulative deltas.
        if (expired > 1)
        {
            _points.RemoveRange(0, expired - 1);
        }
    }
}

/// <summary>An instrument as reported by one service: what the metrics page lists.</summary>
internal sealed record InstrumentInfo(string Service, string Name, string Description, string Unit, InstrumentType Type, bool Monotonic, bool Cumulative, int Series);

/// <summary>
/// Metrics in memory. Every series keeps its latest point; the server duration histograms the
/// metrics page analyses (HTTP and RPC) keep their points for <see cref="_retention"/>.
/// Series beyond the limit are dropped and counted.
/// </summary>
internal sealed class MetricStore(int maxSeries, TimeSpan retention)
{
    /// <summary>Histograms whose history is kept for rate, error ratio and percentiles.</summary>
    public static readonly IReadOnlySet<string> AnalysedInstruments = new HashSet<string>(StringComparer.Ordinal)
    {
        TelemetryMetrics.HttpServerRequestDuration,
        TelemetryMetrics.RpcServerCallDuration,
    };

    private const int MaxPointsPerSeries = 2000;

    private readonly Lock _lock = new();
    private readonly TimeSpan _retention = retention;
    private readonly Dictionary<(string Service, string Name), InstrumentState> _instruments = [];
    private readonly Dictionary<string, MetricSeries> _series = new(StringComparer.Ordinal);
    private long _points;
    private long _droppedSeries;

    public void Add(string service, string name, string description, string unit, InstrumentType type, bool monotonic, bool cumulative,
        StoredAttribute[] attributes, MetricPoint point)
    {
        var seriesKey = SeriesKey(service, name, attributes);
        var keepHistory = AnalysedInstruments.Contains(name);
        lock (_lock)
        {
            _points++;
            if (!_series.TryGetValue(seriesKey, out var series))
            {
                if (_series.Count >= maxSeries)
                {
                    _droppedSeries++;
                    return;
                }

                series = new MetricSeries(service, name, attributes, cumulative);
                _series.Add(seriesKey, series);
                if (!_instruments.TryGetValue((service, name), out var state))
                {
                    state = new InstrumentState();
                    _instruments.Add((service, name), state);
                }

                state.Series.Add(series);
            }

            var instrument = _instruments[(service, name)];
            instrument.Info = new InstrumentInfo(service, name, description, unit, type, monotonic, cumulative, instrument.Series.Count);
            series.Cumulative = cumulative;
            var retainAfter = point.TimeUnixNano - (long)_retention.TotalNanoseconds;
            series.Add(point, keepHistory, retainAfter, MaxPointsPerSeries);
        }
    }

    public MetricStoreStats Stats()
    {
        lock (_lock)
        {
            return new MetricStoreStats(_series.Count, maxSeries, _instruments.Count, _points, _droppedSeries);
        }
    }

    /// <summary>Instruments of a service (or of all services), sorted by service and name.</summary>
    public List<InstrumentInfo> Instruments(string? service)
    {
        lock (_lock)
        {
            return _instruments.Values
                .Select(state => state.Info!)
                .Where(info => service is null || info.Service == service)
                .OrderBy(info => info.Service, StringComparer.Ordinal)
                .ThenBy(info => info.Name, StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <summary>The series of one instrument of one service, each with its latest point.</summary>
    public List<(MetricSeries Series, MetricPoint? Latest)> Series(string service, string name)
    {
        lock (_lock)
        {
            return _instruments.TryGetValue((service, name), out var state)
                ? state.Series.Select(series => (series, series.Latest)).ToList()
                : [];
        }
    }

    /// <summary>Every series of the named instrument across services, with a snapshot of its points.</summary>
    public List<(MetricSeries Series, MetricPoint[] Points)> Snapshot(string name)
    {
        lock (_lock)
        {
            return _instruments
                .Where(pair => pair.Key.Name == name)
                .SelectMany(pair => pair.Value.Series)
                .Select(series => (series, series.Points))
                .ToList();
        }
    }

    private static string SeriesKey(string service, string name, StoredAttribute[] attributes)
    {
        var parts = attributes.Select(a => $"{a.Key}={a.ValueText}").Order(StringComparer.Ordinal);
        return $"{service}\u0001{name}\u0001{string.Join('\u0001', parts)}";
    }

    private sealed class InstrumentState
    {
        public InstrumentInfo? Info { get; set; }

        public List<MetricSeries> Series { get; } = [];
    }
}

internal sealed record MetricStoreStats(int Series, int MaxSeries, int Instruments, long Points, long DroppedSeries);
