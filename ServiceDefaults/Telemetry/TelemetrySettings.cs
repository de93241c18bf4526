using Microsoft.Extensions.Configuration;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>
/// What the standard OTEL_* variables ask for, read once at startup for the startup report. The SDK reads them
/// itself (sampler, exporter, batch sizes); only OTEL_SDK_DISABLED is also ours to act on, so that a disabled SDK
/// registers no instrumentation at all. Also the one setting of ours: the metric instruments dropped.
/// </summary>
internal sealed record TelemetrySettings(bool SdkDisabled, string? ExportEndpoint, string ExportProtocol, string Sampler, DroppedInstruments Dropped)
{
    public static TelemetrySettings From(IConfiguration configuration)
    {
        var disabled = bool.TryParse(configuration["OTEL_SDK_DISABLED"], out var value) && value;
        var endpoint = FirstNonEmpty(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var protocol = FirstNonEmpty(configuration, "OTEL_EXPORTER_OTLP_PROTOCOL") ?? "grpc";
        var sampler = FirstNonEmpty(configuration, "OTEL_TRACES_SAMPLER") is { } name
            ? (FirstNonEmpty(configuration, "OTEL_TRACES_SAMPLER_ARG") is { } argument ? $"{name} {argument}" : name)
            : "parentbased_always_on (the SDK's default)";
        return new TelemetrySettings(disabled, endpoint, protocol, sampler, DroppedInstruments.From(configuration));
    }

    private static string? FirstNonEmpty(IConfiguration configuration, params string[] keys) =>
        keys.Select(key => configuration[key]).FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
}
