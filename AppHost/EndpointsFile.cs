using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shop.Hosting;

namespace Shop.AppHost;

/// <summary>
/// &lt;state&gt;/run/endpoints.json: where everything listens, for scripts, the load generator, tests and the workshop.
/// Written once every resource is healthy, removed on exit. Readable by its owner only: it holds the payments admin
/// token and the Aspire dashboard's telemetry API key.
/// </summary>
internal static class EndpointsFileExtensions
{
    /// <summary>
    /// Writes endpoints.json once every resource is healthy and removes it when the AppHost stops. Its services are
    /// every project resource but the Shop dashboard, so that a service added to Program.cs is in it without more.
    /// </summary>
    public static void WriteEndpointsFile(
        this IDistributedApplicationBuilder builder, ShopSettings shop, IResourceBuilder<IResourceWithConnectionString> postgres,
        IResourceBuilder<ProjectResource> dashboard, IResourceBuilder<ProjectResource> gateway, IReadOnlyList<IResourceBuilder<ExecutableResource>> tools)
    {
        // When Aspire first saw each resource healthy (what releases its WaitFor), for the startup timeline.
        var ready = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        builder.Eventing.Subscribe<ResourceReadyEvent>((@event, _) =>
        {
            ready.TryAdd(@event.Resource.Name, EndpointsFile.SecondsSinceStart(DateTime.UtcNow));
            return Task.CompletedTask;
        });
        builder.Services.AddHostedService(provider => new EndpointsFile(
            shop, postgres.Resource, dashboard.Resource, gateway.Resource, ShopServices(provider.GetRequiredService<DistributedApplicationModel>(), dashboard.Resource), [.. tools.Select(t => t.Resource)],
            ready, provider.GetRequiredService<ResourceNotificationService>(),
            provider, provider.GetRequiredService<ILogger<EndpointsFile>>()));
    }

    /// <summary>The suite's services: every project resource with an http endpoint except the Shop dashboard.</summary>
    internal static IReadOnlyList<ProjectResource> ShopServices(DistributedApplicationModel model, IResource dashboard) =>
        [.. model.Resources.OfType<ProjectResource>().Where(r => r != dashboard && r.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == "http"))];
}

internal sealed partial class EndpointsFile(
    ShopSettings shop, IResourceWithConnectionString postgres, ProjectResource dashboard, ProjectResource gateway,
    IReadOnlyList<ProjectResource> services, IReadOnlyList<ExecutableResource> tools,
    IReadOnlyDictionary<string, double> ready, ResourceNotificationService notifications, IServiceProvider provider, ILogger<EndpointsFile> logger)
    : BackgroundService
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Path => System.IO.Path.Combine(shop.RunDirectory, "endpoints.json");

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        File.Delete(Path); // a killed run's file describes nothing that runs
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        File.Delete(Path);
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // What we started; an existing server (--postgres) has no process to wait for.
            IEnumerable<IResource> waited = [.. postgres is ExecutableResource or ContainerResource ? [postgres] : Array.Empty<IResource>(), dashboard, .. services, .. tools];
            await Task.WhenAll(waited.Select(async r =>
            {
                var healthy = await notifications.WaitForResourceHealthyAsync(r.Name, stoppingToken);
                var started = healthy.Snapshot.StartTimeStamp is { } stamp ? SecondsSinceStart(stamp.ToUniversalTime()) : double.NaN;
                LogHealthy(logger, r.Name, ready.TryGetValue(r.Name, out var at) ? at : double.NaN, started);
            }));
            var file = await RenderAsync(stoppingToken);
            Write(file);
            var seconds = SecondsSinceStart(DateTime.UtcNow);
            LogReady(logger, seconds, (string?)file["gateway"], (string?)file["dashboard"], (string?)file["aspire"]!["dashboard"], Path);
            if (!DcpCertificate.FromDeveloperCertificate(provider))
            {
                LogDcpMadeItsOwnKey(logger);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopped before everything was healthy
        }
    }

    private async Task<JsonObject> RenderAsync(CancellationToken cancellationToken)
    {
        var servicesJson = new JsonObject();
        foreach (var service in services)
        {
            var endpoints = new JsonObject();
            foreach (var endpoint in service.GetEndpoints())
            {
                endpoints[endpoint.EndpointName] = await endpoint.GetValueAsync(cancellationToken);
            }

            endpoints["metrics"] = endpoints["http"] + "/metrics";
            servicesJson[service.Name] = endpoints;
        }

        var server = await postgres.ConnectionStringExpression.GetValueAsync(cancellationToken) ?? "";
        var file = new JsonObject
        {
            ["gateway"] = await gateway.GetEndpoint("http").GetValueAsync(cancellationToken),
            ["dashboard"] = await dashboard.GetEndpoint("http").GetValueAsync(cancellationToken),
            ["otlp"] = new JsonObject
            {
                ["grpc"] = await dashboard.GetEndpoint("otlp-grpc").GetValueAsync(cancellationToken),
                ["http"] = await dashboard.GetEndpoint("otlp-http").GetValueAsync(cancellationToken),
            },
            ["postgres"] = PostgresServer.Redact(server),
            ["services"] = servicesJson,
        };
        foreach (var tool in tools)
        {
            file[tool.Name] = await tool.GetEndpoint("http").GetValueAsync(cancellationToken);
        }

        file["paymentsAdminToken"] = shop.PaymentsAdminToken;
        var aspire = ShopAppHostExtensions.AspireDashboard(provider);
        file["aspire"] = new JsonObject
        {
            ["dashboard"] = aspire is null ? null : await aspire.GetEndpoint("http").GetValueAsync(cancellationToken),
            ["apiKey"] = shop.AspireApiKey,
        };
        return file;
    }

    // In one step (readers never see half of it), owner-only from the start.
    private void Write(JsonObject file)
    {
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(temporary, file.ToJsonString(Indented) + "\n");
        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>Seconds from the AppHost process's start to <paramref name="utc"/>.</summary>
    internal static double SecondsSinceStart(DateTime utc)
    {
        using var process = Process.GetCurrentProcess();
        return (utc - process.StartTime.ToUniversalTime()).TotalSeconds;
    }

    // load/apphost-startup.sh reads these lines (Logging:LogLevel:Shop.AppHost.EndpointsFile=Debug) for its timeline:
    // when the resource's process started (DCP's start time) and when Aspire saw it healthy.
    [LoggerMessage(Level = LogLevel.Debug, Message = "startup: {Resource} healthy at {Healthy:0.00} s, started at {Started:0.00} s")]
    private static partial void LogHealthy(ILogger logger, string resource, double healthy, double started);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Shop is ready in {Seconds:0.0} s: gateway {Gateway}, Shop dashboard {Dashboard}, Aspire dashboard {AspireDashboard}; endpoints and keys in {Path}")]
    private static partial void LogReady(ILogger logger, double seconds, string? gateway, string? dashboard, string? aspireDashboard, string path);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "DCP made a new TLS key for its API at this start (1 to 5 s of CPU); with a trusted .NET developer certificate (dotnet dev-certs https --trust) it uses that instead (README.md, \"DCP's certificate\")")]
    private static partial void LogDcpMadeItsOwnKey(ILogger logger);
}
