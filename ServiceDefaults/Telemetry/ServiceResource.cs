using System.Reflection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Resources;
using Shop.Conventions;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>
/// The resource every signal carries. service.name falls back to the short service name (Shop.Orders → orders);
/// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are merged last, so whatever the environment says wins.
/// </summary>
internal static class ServiceResource
{
    public static void Configure(ResourceBuilder resource, IHostEnvironment environment)
    {
        var entry = Assembly.GetEntryAssembly();
        var version = entry?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? entry?.GetName().Version?.ToString()
            ?? "unknown";
        resource.Clear()
            .AddService(DefaultServiceName(environment.ApplicationName), serviceVersion: version, autoGenerateServiceInstanceId: true)
            .AddAttributes([new(TelemetryAttributes.DeploymentEnvironmentName, environment.EnvironmentName.ToLowerInvariant())])
            .AddTelemetrySdk()
            .AddEnvironmentVariableDetector();
    }

    internal static string DefaultServiceName(string applicationName) =>
        (applicationName.StartsWith(TelemetrySources.SuitePrefix, StringComparison.Ordinal)
            ? applicationName[TelemetrySources.SuitePrefix.Length..]
            : applicationName).ToLowerInvariant();
}
