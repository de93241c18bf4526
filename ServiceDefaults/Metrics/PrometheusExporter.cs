using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Shop.ServiceDefaults.Metrics;

/// <summary>
/// The exporter behind /metrics: the SDK hands it metrics only when its reader collects, and it keeps
/// what it was given as a <see cref="PrometheusSnapshot"/>. It is pull-driven but declares the default
/// (push) export mode: the SDK lets only its own Prometheus assembly collect from a pull-mode exporter
/// (PullMetricScope is internal), and the reader it sits on has no timer, so it collects on a scrape
/// and otherwise only when the provider is flushed or shut down.
/// </summary>
internal sealed partial class PrometheusExporter(ILogger logger) : BaseExporter<Metric>
{
    private readonly HashSet<string> _reportedDrops = new(StringComparer.Ordinal);

    /// <summary>What the last collection produced.</summary>
    public PrometheusSnapshot? Last { get; private set; }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        var resource = ParentProvider?.GetResource() ?? Resource.Empty;
        Last = PrometheusSnapshot.From(batch, resource, ReportDrop);
        return ExportResult.Success;
    }

    private void ReportDrop(Metric metric, string reason)
    {
        // Once per instrument, not on every scrape.
        lock (_reportedDrops)
        {
            if (!_reportedDrops.Add(metric.MeterName + "/" + metric.Name))
            {
                return;
            }
        }

        LogDropped(logger, metric.Name, metric.MeterName, reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prometheus exporter: instrument {Instrument} of meter {Meter} is not exposed: {Reason}")]
    private static partial void LogDropped(ILogger logger, string instrument, string meter, string reason);
}

/// <summary>
/// Owns the pull reader (cumulative temporality) and runs one collection per scrape. Scrapes that
/// arrive while a collection runs share its result, so concurrent scrapers never collect concurrently
/// and every scraper gets data at least as new as its request.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The MeterProvider disposes the reader, and the reader its exporter.")]
internal sealed class PrometheusCollector
{
    private static readonly TimeSpan CollectTimeout = TimeSpan.FromSeconds(10);

    private readonly PrometheusExporter _exporter;
    private readonly Lock _gate = new();
    private Task<PrometheusSnapshot?>? _inFlight;

    public PrometheusCollector(ILogger<PrometheusCollector>? logger = null)
    {
        _exporter = new PrometheusExporter(logger ?? (ILogger)NullLogger.Instance);
        Reader = new BaseExportingMetricReader(_exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative };
    }

    /// <summary>The reader to add to the MeterProvider; the provider owns and disposes it.</summary>
    public MetricReader Reader { get; }

    /// <summary>Collects now (or joins the collection in progress); null when the provider is shut down.</summary>
    public Task<PrometheusSnapshot?> CollectAsync()
    {
        lock (_gate)
        {
            return _inFlight ??= Task.Run(CollectOnce);
        }
    }

    private PrometheusSnapshot? CollectOnce()
    {
        try
        {
            // Collect calls the exporter synchronously, on this thread, before it returns.
            return Reader.Collect((int)CollectTimeout.TotalMilliseconds) ? _exporter.Last : null;
        }
        finally
        {
            lock (_gate)
            {
                _inFlight = null;
            }
        }
    }
}
