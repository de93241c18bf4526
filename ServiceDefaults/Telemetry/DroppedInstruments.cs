using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Metrics;
using Shop.Conventions;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>
/// The instruments no reader gets: by default <see cref="TelemetryMetrics.DroppedByDefault"/>, or the comma-separated
/// names in ServiceDefaults:Metrics:Drop (empty keeps every instrument). A dropped instrument is never enabled, so the
/// libraries that check <c>Instrument.Enabled</c> skip recording it; each kept measurement is aggregated once per reader
/// (OTLP and Prometheus), which is why unread per-request instruments are worth dropping.
/// </summary>
internal sealed class DroppedInstruments
{
    public const string ConfigurationKey = "ServiceDefaults:Metrics:Drop";

    private readonly HashSet<string> _names;

    private DroppedInstruments(IEnumerable<string> names)
    {
        _names = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        Listed = string.Join(", ", _names.Order(StringComparer.Ordinal));
    }

    /// <summary>The names, sorted and comma-separated; empty when every instrument is kept.</summary>
    public string Listed { get; }

    public static DroppedInstruments From(IConfiguration configuration)
    {
        var section = configuration.GetSection(ConfigurationKey);
        if (section.Value is { } list)
        {
            return new DroppedInstruments(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        var items = section.GetChildren().Select(child => child.Value).OfType<string>().ToList();
        return new DroppedInstruments(items.Count > 0 ? items : TelemetryMetrics.DroppedByDefault);
    }

    /// <summary>One view for every instrument: dropped, or a seconds histogram with the SLO buckets, or as the library made it.</summary>
    public MetricStreamConfiguration? View(Instrument instrument) =>
        _names.Contains(instrument.Name) ? MetricStreamConfiguration.Drop : SloHistogramBuckets.View(instrument);
}
