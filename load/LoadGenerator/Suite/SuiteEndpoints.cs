using System.Text.Json;

namespace Shop.LoadGenerator.Suite;

/// <summary>The running suite's addresses, as the AppHost writes them to &lt;state dir&gt;/run/endpoints.json when everything is healthy.</summary>
internal sealed record SuiteEndpoints(Uri Gateway, Uri? Dashboard, string? Postgres)
{
    /// <summary>Each service's HTTP address (services.{name}.http), where /health and payments' /admin/faults answer.</summary>
    public IReadOnlyDictionary<string, Uri> Services { get; init; } = new Dictionary<string, Uri>();

    /// <summary>The bearer token of payments' /admin/faults.</summary>
    public string? PaymentsAdminToken { get; init; }

    public static string DefaultPath => RepoRoot.Of(".shop", "run", "endpoints.json");

    public static SuiteEndpoints Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: start the suite (dotnet run --project AppHost) or pass --gateway URL.", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var gateway = root.TryGetProperty("gateway", out var g) && g.GetString() is { Length: > 0 } url
            ? new Uri(url)
            : throw new InvalidDataException($"{path} has no \"gateway\" URL.");
        var dashboard = root.TryGetProperty("dashboard", out var d) && d.GetString() is { Length: > 0 } dashboardUrl ? new Uri(dashboardUrl) : null;
        var postgres = root.TryGetProperty("postgres", out var p) ? p.GetString() : null;
        var services = new Dictionary<string, Uri>(StringComparer.Ordinal);
        if (root.TryGetProperty("services", out var s) && s.ValueKind == JsonValueKind.Object)
        {
            foreach (var service in s.EnumerateObject())
            {
                if (service.Value.TryGetProperty("http", out var h) && h.GetString() is { Length: > 0 } http)
                {
                    services[service.Name] = new Uri(http);
                }
            }
        }

        return new SuiteEndpoints(gateway, dashboard, postgres)
        {
            Services = services,
            PaymentsAdminToken = root.TryGetProperty("paymentsAdminToken", out var t) ? t.GetString() : null,
        };
    }
}
