using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>What the standard OTEL_* variables ask for, read once at startup.</summary>
internal sealed record TelemetrySettings(bool SdkDisabled, string? ExportEndpoint, string ExportProtocol, Sampler Sampler, string SamplerDescription, IReadOnlyList<string> Warnings)
{
    public static TelemetrySettings From(IConfiguration configuration, IHostEnvironment environment)
    {
        var warnings = new List<string>();
        var disabled = bool.TryParse(configuration["OTEL_SDK_DISABLED"], out var value) && value;
        var endpoint = FirstNonEmpty(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var protocol = FirstNonEmpty(configuration, "OTEL_EXPORTER_OTLP_PROTOCOL") ?? "grpc";
        var (sampler, description) = SamplerFromEnvironment(configuration, environment, warnings);
        return new TelemetrySettings(disabled, endpoint, protocol, sampler, description, warnings);
    }

    /// <summary>
    /// The six samplers of the OpenTelemetry SDK configuration spec. Unset means
    /// parentbased_always_on, so Development (and any environment) samples everything a caller did not decline.
    /// </summary>
    internal static (Sampler Sampler, string Description) SamplerFromEnvironment(IConfiguration configuration, IHostEnvironment environment, List<string> warnings)
    {
        var name = configuration["OTEL_TRACES_SAMPLER"]?.Trim().ToLowerInvariant();
        var argument = configuration["OTEL_TRACES_SAMPLER_ARG"];
        if (string.IsNullOrEmpty(name))
        {
            return (new ParentBasedSampler(new AlwaysOnSampler()), $"parentbased_always_on ({environment.EnvironmentName} default)");
        }

        switch (name)
        {
            case "always_on":
                return (new AlwaysOnSampler(), name);
            case "always_off":
                return (new AlwaysOffSampler(), name);
            case "parentbased_always_on":
                return (new ParentBasedSampler(new AlwaysOnSampler()), name);
            case "parentbased_always_off":
                return (new ParentBasedSampler(new AlwaysOffSampler()), name);
            case "traceidratio":
            case "parentbased_traceidratio":
                var ratio = Ratio(argument, warnings);
                Sampler ratioSampler = new TraceIdRatioBasedSampler(ratio);
                return name == "traceidratio"
                    ? (ratioSampler, $"{name} {ratio}")
                    : (new ParentBasedSampler(ratioSampler), $"{name} {ratio}");
            default:
                warnings.Add($"OTEL_TRACES_SAMPLER='{name}' is not a known sampler; using parentbased_always_on.");
                return (new ParentBasedSampler(new AlwaysOnSampler()), "parentbased_always_on");
        }
    }

    private static double Ratio(string? argument, List<string> warnings)
    {
        if (argument is null)
        {
            return 1.0;
        }

        if (double.TryParse(argument, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio)
            && ratio is >= 0 and <= 1)
        {
            return ratio;
        }

        warnings.Add($"OTEL_TRACES_SAMPLER_ARG='{argument}' is not a ratio between 0 and 1; using 1.0.");
        return 1.0;
    }

    private static string? FirstNonEmpty(IConfiguration configuration, params string[] keys) =>
        keys.Select(key => configuration[key]).FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
}
