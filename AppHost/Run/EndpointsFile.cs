using System.Text.Json;
using System.Text.Json.Nodes;
using Shop.AppHost.Model;

namespace Shop.AppHost.Run;

/// <summary>
/// &lt;state-dir&gt;/run/endpoints.json: where everything listens, for scripts, the load generator, tests and the
/// workshop. Written once everything is healthy, removed on exit. Readable by its owner only: it holds the payments admin token.
/// </summary>
internal sealed class EndpointsFile(string path)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Path => path;

    public required ProjectResource Gateway { get; init; }

    public required ProjectResource Dashboard { get; init; }

    public required PostgresResource Postgres { get; init; }

    /// <summary>The services by name, with their endpoints (http, grpc) and /metrics.</summary>
    public required IReadOnlyList<ProjectResource> Services { get; init; }

    /// <summary>Further top-level URLs by name (prometheus, alertmanager), when they run.</summary>
    public List<Resource> Tools { get; } = [];

    /// <summary>Further top-level values (paymentsAdminToken).</summary>
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

    public JsonObject Render()
    {
        var services = new JsonObject();
        foreach (var service in Services)
        {
            var endpoints = new JsonObject();
            foreach (var endpoint in service.Endpoints)
            {
                endpoints[endpoint.Name] = endpoint.Url;
            }

            endpoints["metrics"] = service.Endpoint("http").Url + "/metrics";
            services[service.Name] = endpoints;
        }

        var file = new JsonObject
        {
            ["gateway"] = Gateway.Endpoint("http").Url,
            ["dashboard"] = Dashboard.Endpoint("http").Url,
            ["otlp"] = new JsonObject
            {
                ["grpc"] = Dashboard.Endpoint("otlp-grpc").Url,
                ["http"] = Dashboard.Endpoint("otlp-http").Url,
            },
            ["postgres"] = Postgres.RedactedConnectionString,
            ["services"] = services,
        };
        foreach (var tool in Tools)
        {
            file[tool.Name] = tool.DisplayUrl;
        }

        foreach (var (key, value) in Values)
        {
            file[key] = value;
        }

        return file;
    }

    /// <summary>Writes the file in one step (readers never see half of it).</summary>
    public void Write()
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, Render().ToJsonString(Indented) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public void Delete() => File.Delete(path);
}
