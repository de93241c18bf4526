using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Shop.Hosting;
using Shop.Testing;
using TempDirectory = Shop.Testing.TempDirectory;

namespace Shop.AppHost.Tests;

/// <summary>
/// The real AppHost (Projects.AppHost) under Aspire.Hosting.Testing, with its own state directory and free ports
/// (DCP picks every service port; the Aspire dashboard gets two free ones), so it never meets a suite the developer
/// runs. Disposing it stops everything it started and removes the state directory.
/// </summary>
public sealed class ShopAppHost : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(4);

    private readonly TempDirectory _state;

    private ShopAppHost(DistributedApplication app, TempDirectory state)
    {
        App = app;
        _state = state;
    }

    public DistributedApplication App { get; }

    public string EndpointsPath => _state.Combine("run/endpoints.json");

    /// <summary>endpoints.json as it was when the suite became ready.</summary>
    public JsonElement Endpoints { get; private set; }

    /// <summary>Builds and starts the AppHost and waits until it wrote endpoints.json (every resource healthy).</summary>
    public static async Task<ShopAppHost> StartAsync()
    {
        var state = new TempDirectory();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [
                $"Shop:StateDirectory={state.FullPath}",
                $"ASPNETCORE_URLS=http://localhost:{FreePort.Next()}",
                $"ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{FreePort.Next()}",
            ],
            (options, _) => options.DisableDashboard = false); // the tests read traces from its telemetry API

        // The services' own deadlines (2 s per users call and payment attempt) suit production; a starved test
        // machine misses them without that being the behaviour under test.
        SetEnvironment(builder, "gateway", "Gateway__UsersTimeout", "00:00:15");
        SetEnvironment(builder, "orders", "Orders__Payments__AttemptTimeout", "00:00:15");

        var app = await builder.BuildAsync();
        var apphost = new ShopAppHost(app, state);
        try
        {
            using var timeout = new CancellationTokenSource(ReadyTimeout);
            await app.StartAsync(timeout.Token);
            await apphost.WaitForEndpointsFileAsync(timeout.Token);
            return apphost;
        }
        catch
        {
            await apphost.DisposeAsync();
            throw;
        }
    }

    /// <summary>The process id DCP reports for resource <paramref name="name"/> (a service, postgres, a dashboard).</summary>
    public async Task<int> ProcessIdAsync(string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var running = await App.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceAsync(
            name, e => e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null) && e.Snapshot.State?.Text == KnownResourceStates.Running,
            timeout.Token);
        return Convert.ToInt32(running.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Every process the suite runs: the resources' own and what they started (postgres' backends).
    /// Resources without endpoints (the rebuilder Aspire adds per project) never run.
    /// </summary>
    public async Task<IReadOnlyList<int>> ProcessesAsync()
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var pids = new List<int>();
        foreach (var resource in model.Resources.Where(r => r is ProjectResource or ExecutableResource && r.Annotations.OfType<EndpointAnnotation>().Any()))
        {
            var pid = await ProcessIdAsync(resource.Name);
            pids.Add(pid);
            pids.AddRange(ProcessTable.DescendantsOf(pid));
        }

        return pids;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync();
        }
        finally
        {
            await App.DisposeAsync();
            _state.Dispose();
        }
    }

    private async Task WaitForEndpointsFileAsync(CancellationToken cancellationToken)
    {
        while (!File.Exists(EndpointsPath))
        {
            await Task.Delay(200, cancellationToken);
        }

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(EndpointsPath, cancellationToken));
        Endpoints = document.RootElement.Clone();
    }

    private static void SetEnvironment(IDistributedApplicationTestingBuilder builder, string resource, string variable, string value) =>
        builder.Resources.Single(r => r.Name == resource).Annotations.Add(
            new EnvironmentCallbackAnnotation(context => context.EnvironmentVariables[variable] = value));
}
