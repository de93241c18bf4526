namespace Shop.AppHost.Model;

/// <summary>
/// A child's variables: it inherits the AppHost's environment, and the wiring goes on top, except for OpenTelemetry
/// settings the user made (their Jaeger or collector, a sampler, OTEL_SDK_DISABLED), which are honoured.
/// </summary>
internal static class ChildEnvironment
{
    private const string OtelPrefix = "OTEL_";
    private const string ExporterPrefix = "OTEL_EXPORTER_OTLP_";
    private const string ServiceName = "OTEL_SERVICE_NAME";
    private const string ResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES";

    /// <summary>The wiring to set, given what the user set (<paramref name="userVariable"/>).</summary>
    public static Dictionary<string, string?> Compose(IReadOnlyDictionary<string, string?> wiring, Func<string, string?> userVariable)
    {
        // An endpoint of the user's replaces the dashboard's as a whole: its protocol and headers are the user's business too.
        var userExports = !string.IsNullOrWhiteSpace(userVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in wiring)
        {
            var user = userVariable(name);
            if (name == ServiceName)
            {
                result[name] = value; // one name for every child would merge four services into one
            }
            else if (name == ResourceAttributes && !string.IsNullOrWhiteSpace(user))
            {
                result[name] = $"{user},{value}"; // the user's attributes (deployment.environment...) plus the instance id
            }
            else if (name.StartsWith(OtelPrefix, StringComparison.Ordinal)
                     && (!string.IsNullOrWhiteSpace(user) || (userExports && name.StartsWith(ExporterPrefix, StringComparison.Ordinal))))
            {
                continue;
            }
            else
            {
                result[name] = value;
            }
        }

        return result;
    }
}
