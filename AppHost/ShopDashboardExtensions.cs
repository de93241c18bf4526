using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Shop.AppHost;

/// <summary>
/// How telemetry flows: every service exports OTLP to the Shop dashboard, which keeps it for its Jaeger API, tail
/// sampling, SLO and root-cause pages, and forwards it to the Aspire dashboard as a collector would.
/// </summary>
internal static class ShopDashboardExtensions
{
    private const string OtelPrefix = "OTEL_";
    private const string ExporterPrefix = "OTEL_EXPORTER_OTLP_";
    private const string DashboardPrefix = "Dashboard__";

    /// <summary>The Shop dashboard's listeners: UI and Jaeger query API, OTLP/gRPC and OTLP/HTTP, at the ports of <paramref name="shop"/>.</summary>
    public static IResourceBuilder<ProjectResource> WithShopDashboardEndpoints(this IResourceBuilder<ProjectResource> dashboard, ShopSettings shop)
    {
        dashboard
            .WithEndpoint("http", e => e.Port = shop.DashboardPort)
            .WithHttpEndpoint(port: shop.OtlpGrpcPort, name: "otlp-grpc")
            .WithEndpoint("otlp-grpc", e => e.Transport = "http2")
            .WithHttpEndpoint(port: shop.OtlpHttpPort, name: "otlp-http")
            .WithPromptHttpHealthCheck("/health");

        // The dashboard binds its three listeners itself (Dashboard:*Url), one protocol each; ASPNETCORE_URLS would only warn.
        return dashboard.WithEnvironment(context =>
        {
            context.EnvironmentVariables.Remove("ASPNETCORE_URLS");
            context.EnvironmentVariables.Remove("HTTP_PORTS");
            context.EnvironmentVariables["Dashboard__QueryUrl"] = Listen(dashboard.GetEndpoint("http"));
            context.EnvironmentVariables["Dashboard__OtlpGrpcUrl"] = Listen(dashboard.GetEndpoint("otlp-grpc"));
            context.EnvironmentVariables["Dashboard__OtlpHttpUrl"] = Listen(dashboard.GetEndpoint("otlp-http"));
        });
    }

    /// <summary>
    /// Gives the Shop dashboard the SLOs of observability/slos.yaml (Dashboard__Slos__N__*) for its SLO page, read
    /// with the same code that generates the Prometheus rules from it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceLevelObjectives(this IResourceBuilder<ProjectResource> dashboard, ShopSettings shop)
    {
        // Parsed while DCP starts (the AppHost mostly waits for it then), not on the way to launching it.
        var file = Task.Run(() => Shop.SloRules.SloFile.Load(Path.Combine(shop.RepositoryRoot, "observability", "slos.yaml")));
        return dashboard.WithEnvironment(async context =>
        {
            var slos = (await file).Slos;
            for (var i = 0; i < slos.Count; i++)
            {
                var (slo, prefix) = (slos[i], $"Dashboard__Slos__{i}__");
                context.EnvironmentVariables[prefix + "Name"] = slo.Name;
                context.EnvironmentVariables[prefix + "Service"] = slo.Service;
                context.EnvironmentVariables[prefix + "Objective"] = slo.Objective.ToString(CultureInfo.InvariantCulture);
                context.EnvironmentVariables[prefix + "Description"] = slo.Description;
                context.EnvironmentVariables[prefix + "Type"] = slo.Indicator.Type;
                if (slo.Indicator.Threshold is { } threshold)
                {
                    context.EnvironmentVariables[prefix + "Threshold"] = threshold.ToString(CultureInfo.InvariantCulture);
                }

                foreach (var (label, value) in slo.Indicator.Selector)
                {
                    context.EnvironmentVariables[$"{prefix}Selector__{label}"] = value;
                }
            }
        });
    }

    /// <summary>
    /// Forwards traces, metrics and logs to the Aspire dashboard's OTLP/gRPC endpoint, with its OTLP API key; traces through
    /// tail sampling with a budget: all of them at a few requests per second, errors, slow ones and a ratio under load.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithForwardingToAspireDashboard(this IResourceBuilder<ProjectResource> dashboard)
    {
        var configuration = dashboard.ApplicationBuilder.Configuration;
        return dashboard.WithEnvironment(context =>
        {
            if (ShopAppHostExtensions.AspireDashboard(context.ExecutionContext.Services) is not { } aspire)
            {
                return; // no Aspire dashboard in this run (tests may switch it off)
            }

            // Dashboard__* variables set on the AppHost win over ours (Dashboard__Forward__Signals=traces...); the user's own
            // Dashboard__Forward__Endpoint (Jaeger, a collector) replaces the whole forwarding setting, as for OTEL_EXPORTER_OTLP_ENDPOINT.
            var variables = context.EnvironmentVariables;
            var user = UserVariables(DashboardPrefix);
            if (!user.ContainsKey("Dashboard__Forward__Endpoint"))
            {
                // Its endpoint as allocated (randomized in tests), not the configured URL.
                variables["Dashboard__Forward__Endpoint"] = aspire.GetEndpoint("otlp-grpc");
                variables["Dashboard__Forward__Protocol"] = "grpc";
                variables["Dashboard__Forward__Signals"] = "traces,metrics,logs";

                // Only kept traces are forwarded: every one up to 10 a second (a developer sees each of theirs), above that at most
                // 10 errors and slow traces and 10 others a second; the Shop dashboard keeps every error and slow trace and 10% of
                // the rest for its SLO and root-cause pages. The Aspire dashboard spends milliseconds of CPU on each trace, and an
                // overloaded suite makes every trace slow (load/README.md has what it costs).
                variables["Dashboard__TailSampling__Enabled"] = "true";
                variables["Dashboard__TailSampling__KeepAllPerSecond"] = "10";
                variables["Dashboard__Forward__NormalTracesPerSecond"] = "10";
                variables["Dashboard__Forward__ErrorAndSlowTracesPerSecond"] = "10";

                // Log records go with their trace (warnings and worse, and records without a trace, at once): the Aspire dashboard
                // spends as much on a log record as on a span, and a checkout writes three. All stay in the Shop dashboard.
                variables["Dashboard__Forward__LogsFollowTraces"] = "true";
                if (configuration["AppHost:OtlpApiKey"] is { Length: > 0 } key)
                {
                    variables["Dashboard__Forward__Headers"] = $"x-otlp-api-key={key}";
                }
            }

            foreach (var (name, value) in user)
            {
                variables[name] = value;
            }
        });
    }

    /// <summary>
    /// OTLP/HTTP to the Shop dashboard under the resource's name (Aspire's service.instance.id kept, so the Aspire
    /// dashboard matches the forwarded telemetry to the resource). OTEL_* variables the user set win; their own
    /// OTEL_EXPORTER_OTLP_ENDPOINT replaces the whole exporter setting.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithShopTelemetry(this IResourceBuilder<ProjectResource> project, IResourceBuilder<ProjectResource> dashboard)
    {
        project.WithEnvironment(context =>
        {
            var user = UserVariables(OtelPrefix);
            var variables = context.EnvironmentVariables;
            if (user.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"))
            {
                foreach (var key in variables.Keys.Where(k => k.StartsWith(ExporterPrefix, StringComparison.Ordinal)).ToList())
                {
                    variables.Remove(key);
                }
            }
            else
            {
                variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = dashboard.GetEndpoint("otlp-http");
                variables["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
                variables.Remove("OTEL_EXPORTER_OTLP_HEADERS"); // the Aspire dashboard's key: the forwarder sends it
            }

            foreach (var (name, value) in user)
            {
                if (name == "OTEL_SERVICE_NAME")
                {
                    continue; // one name for every service would merge four services into one
                }

                // The user's attributes (deployment.environment...) plus Aspire's service.instance.id.
                variables[name] = name == "OTEL_RESOURCE_ATTRIBUTES" && variables.TryGetValue(name, out var ours) && ours is string aspire
                    ? $"{value},{aspire}"
                    : value;
            }
        });
        return project.WaitFor(dashboard);
    }

    /// <summary>
    /// A cleartext HTTP/2 endpoint "grpc" beside "http" (clients find it as http://_grpc.name). Kestrel endpoints are set by
    /// name, so each gets its protocol; ASPNETCORE_URLS would give both HTTP/1.1.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGrpcEndpoint(this IResourceBuilder<ProjectResource> project)
    {
        project.WithHttpEndpoint(name: "grpc").WithEndpoint("grpc", e => e.Transport = "http2");
        return project.WithEnvironment(context =>
        {
            context.EnvironmentVariables.Remove("ASPNETCORE_URLS");
            context.EnvironmentVariables.Remove("HTTP_PORTS");
            context.EnvironmentVariables["Kestrel__Endpoints__http__Url"] = Listen(project.GetEndpoint("http"));
            context.EnvironmentVariables["Kestrel__Endpoints__grpc__Url"] = Listen(project.GetEndpoint("grpc"));
            context.EnvironmentVariables["Kestrel__Endpoints__grpc__Protocols"] = "Http2";
        });
    }

    // Where the process listens: its target port (the same as the endpoint's port, no proxy; DirectEndpoints.cs).
    private static ReferenceExpression Listen(EndpointReference endpoint) =>
        ReferenceExpression.Create($"http://localhost:{endpoint.Property(EndpointProperty.TargetPort)}");

    private static Dictionary<string, string> UserVariables(string prefix) =>
        Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Where(v => v.Key is string name && name.StartsWith(prefix, StringComparison.Ordinal) && v.Value is string { Length: > 0 })
            .ToDictionary(v => (string)v.Key, v => (string)v.Value!, StringComparer.Ordinal);
}
