using System.Text.Json;

namespace Shop.Workshop.Check;

/// <summary>
/// What the check needs of &lt;state&gt;/run/endpoints.json, the contract the AppHost writes once every resource is
/// healthy (README.md, "endpoints.json"). Optional parts (Prometheus, Alertmanager, the Aspire dashboard) are null when absent.
/// </summary>
internal sealed record SuiteEndpoints(Uri Gateway, Uri Dashboard)
{
    /// <summary>Each service's HTTP address (services.{name}.http).</summary>
    public IReadOnlyDictionary<string, Uri> Services { get; init; } = new Dictionary<string, Uri>();

    public Uri? Prometheus { get; init; }

    public Uri? Alertmanager { get; init; }

    public string? PaymentsAdminToken { get; init; }

    public Uri? AspireDashboard { get; init; }

    public string? AspireApiKey { get; init; }

    /// <summary>Reads the file; a missing or malformed one is an <see cref="EndpointsException"/> that says what to do.</summary>
    public static SuiteEndpoints Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new EndpointsException($"{path} does not exist: start the suite (dotnet run --project AppHost) and wait for 'Shop is ready', or pass --endpoints FILE.");
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or UriFormatException or InvalidOperationException)
        {
            throw new EndpointsException($"{path} is not a Shop endpoints.json: {e.Message}");
        }
    }

    public static SuiteEndpoints Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var services = new Dictionary<string, Uri>(StringComparer.Ordinal);
        if (root.TryGetProperty("services", out var s) && s.ValueKind == JsonValueKind.Object)
        {
            foreach (var service in s.EnumerateObject())
            {
                if (Url(service.Value, "http") is { } http)
                {
                    services[service.Name] = http;
                }
            }
        }

        var aspire = root.TryGetProperty("aspire", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
        return new SuiteEndpoints(
            Url(root, "gateway") ?? throw new InvalidDataException("it has no \"gateway\" URL"),
            Url(root, "dashboard") ?? throw new InvalidDataException("it has no \"dashboard\" URL"))
        {
            Services = services,
            Prometheus = Url(root, "prometheus"),
            Alertmanager = Url(root, "alertmanager"),
            PaymentsAdminToken = Text(root, "paymentsAdminToken"),
            AspireDashboard = aspire.ValueKind == JsonValueKind.Object ? Url(aspire, "dashboard") : null,
            AspireApiKey = aspire.ValueKind == JsonValueKind.Object ? Text(aspire, "apiKey") : null,
        };
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static Uri? Url(JsonElement element, string name) => Text(element, name) is { } text ? new Uri(text) : null;
}

/// <summary>endpoints.json cannot be used; the message says why and what to do.</summary>
internal sealed class EndpointsException(string message) : Exception(message);
