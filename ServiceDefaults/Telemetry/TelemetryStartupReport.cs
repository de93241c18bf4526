using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>Says once, at startup, where telemetry goes: an unset endpoint should never be a silent surprise.</summary>
internal sealed partial class TelemetryStartupReport(TelemetrySettings settings, ILogger<TelemetryStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.SdkDisabled)
        {
            LogDisabled(logger);
        }
        else if (settings.ExportEndpoint is null)
        {
            LogNotExporting(logger, settings.Sampler);
        }
        else
        {
            LogExporting(logger, settings.ExportEndpoint, settings.ExportProtocol, settings.Sampler);
        }

        if (!settings.SdkDisabled && settings.Dropped.Listed.Length > 0)
        {
            LogDropped(logger, settings.Dropped.Listed, DroppedInstruments.ConfigurationKey);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Telemetry disabled by OTEL_SDK_DISABLED")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Telemetry not exported: OTEL_EXPORTER_OTLP_ENDPOINT is not set (sampler {Sampler})")]
    private static partial void LogNotExporting(ILogger logger, string sampler);

    [LoggerMessage(Level = LogLevel.Information, Message = "Telemetry exported over OTLP to {Endpoint} ({Protocol}), sampler {Sampler}")]
    private static partial void LogExporting(ILogger logger, string endpoint, string protocol, string sampler);

    [LoggerMessage(Level = LogLevel.Information, Message = "Metric instruments dropped (no reader gets them): {Instruments}; {Key} changes the list, empty keeps all")]
    private static partial void LogDropped(ILogger logger, string instruments, string key);
}
