using System.Text.Json;

namespace Shop.LoadGenerator.Suite;

/// <summary>The running suite's addresses, as the AppHost writes them to &lt;state dir&gt;/run/endpoints.json when everything is healthy.</summary>
internal sealed record SuiteEndpoints(Uri Gateway, Uri? Dashboard, string? Postgres)
{
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
        return new SuiteEndpoints(gateway, dashboard, postgres);
    }
}
