using System.Globalization;
using Shop.Hosting;

namespace Shop.AppHost.Model;

/// <summary>How resources are wired to each other: only through environment variables, in the conventions Aspire uses.</summary>
internal static class WiringExtensions
{
    /// <summary>The HTTP/1.1 endpoint (Kestrel endpoint "http"): API, /health, /metrics. Port 0 takes a free one.</summary>
    public static ProjectResource WithHttpEndpoint(this ProjectResource project, int port = 0, string? option = null) =>
        project.WithKestrelEndpoint("http", port, option, protocols: null);

    /// <summary>The cleartext HTTP/2 endpoint for gRPC (Kestrel endpoint "grpc") on a free port.</summary>
    public static ProjectResource WithGrpcEndpoint(this ProjectResource project) =>
        project.WithKestrelEndpoint("grpc", 0, option: null, protocols: "Http2");

    /// <summary>An endpoint whose URL the project reads from <paramref name="variable"/> (the dashboard's listeners).</summary>
    public static ProjectResource WithEndpoint(this ProjectResource project, string name, string variable, int port, string? option = null)
    {
        var endpoint = new Endpoint(name, port == 0 ? FreePort.Next() : port) { Option = port == 0 ? null : option };
        project.Endpoints.Add(endpoint);
        project.SetEnvironment(variable, endpoint.Url);
        return project;
    }

    /// <summary>A database of its own on <paramref name="postgres"/> (named after the project), as ConnectionStrings__&lt;name&gt;.</summary>
    public static ProjectResource WithDatabase(this ProjectResource project, PostgresResource postgres)
    {
        postgres.Databases.Add(project.Name);
        project.Environment[$"ConnectionStrings__{project.Name}"] = () => postgres.ConnectionStringFor(project.Name);
        project.WaitFor(postgres);
        return project;
    }

    /// <summary>The address of <paramref name="service"/>'s endpoint as Services__&lt;service&gt;__&lt;endpoint&gt;__0; waits for it.</summary>
    public static ProjectResource WithReference(this ProjectResource project, Resource service, string endpointName)
    {
        project.SetEnvironment($"Services__{service.Name}__{endpointName}__0", service.Endpoint(endpointName).Url);
        project.WaitFor(service);
        return project;
    }

    /// <summary>
    /// Traces, metrics and logs to the dashboard over OTLP/HTTP, under the project's name and a new instance id per
    /// run; in Development with short export intervals. The user's own OTEL_* settings win (see ChildEnvironment).
    /// </summary>
    public static ProjectResource WithTelemetry(this ProjectResource project, ProjectResource dashboard, bool development)
    {
        project.SetEnvironment("OTEL_SERVICE_NAME", project.Name);
        project.SetEnvironment("OTEL_RESOURCE_ATTRIBUTES", $"service.instance.id={project.Name}-{Guid.NewGuid():N}");
        project.SetEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", dashboard.Endpoint("otlp-http").Url);
        project.SetEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        if (development)
        {
            project.SetEnvironment("OTEL_BSP_SCHEDULE_DELAY", "1000");
            project.SetEnvironment("OTEL_BLRP_SCHEDULE_DELAY", "1000");
            project.SetEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "5000");
        }

        project.WaitFor(dashboard);
        return project;
    }

    /// <summary>Sets a variable unless the user set it (their value reaches the child as it is).</summary>
    public static ProjectResource WithDefault(this ProjectResource project, string variable, string value)
    {
        if (string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(variable)))
        {
            project.SetEnvironment(variable, value);
        }

        return project;
    }

    private static ProjectResource WithKestrelEndpoint(this ProjectResource project, string name, int port, string? option, string? protocols)
    {
        project.WithEndpoint(name, $"Kestrel__Endpoints__{name}__Url", port, option);
        if (protocols is not null)
        {
            project.SetEnvironment($"Kestrel__Endpoints__{name}__Protocols", protocols);
        }

        return project;
    }

    /// <summary>The port as text, for arguments.</summary>
    public static string Text(this int port) => port.ToString(CultureInfo.InvariantCulture);
}
