using System.Globalization;
using Shop.Hosting;
using Shop.Testing;

namespace Shop.Workshop.Tests;

/// <summary>
/// A whole suite from a built AppHost (this repository's or a copy's): its own state directory, every port free
/// (DcpPublisher:RandomizePorts plus free ports for the ones a user types), Prometheus and Alertmanager when installed.
/// Disposing sends SIGTERM, and the AppHost waits for DCP to stop everything it started; the process dies with the test host.
/// </summary>
internal sealed class WorkshopSuite : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(5);
    private readonly ChildProcess _process;
    private readonly TempDirectory _state;

    private WorkshopSuite(ChildProcess process, TempDirectory state)
    {
        _process = process;
        _state = state;
    }

    /// <summary>The suite's endpoints.json, what ./workshop/check --endpoints reads.</summary>
    public string EndpointsPath => _state.Combine("run/endpoints.json");

    public IReadOnlyList<string> RecentOutput => _process.RecentOutput;

    /// <summary>Starts <c>repository/AppHost/bin/Release/net10.0/Shop.AppHost.dll</c> and waits for its endpoints.json.</summary>
    public static async Task<WorkshopSuite> StartAsync(string repository)
    {
        var appHost = Path.Combine(repository, "AppHost", "bin", "Release", "net10.0", "Shop.AppHost.dll");
        if (!File.Exists(appHost))
        {
            throw new FileNotFoundException($"{appHost} is missing: build first (dotnet build Shop.sln -c Release).", appHost);
        }

        var state = new TempDirectory();
        string Port() => FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var process = ChildProcess.Start(new ChildProcessOptions("dotnet",
        [
            appHost, "--state-dir", state.FullPath, "DcpPublisher:RandomizePorts=true",
            "--gateway-port", Port(), "--dashboard-port", Port(), "--otlp-grpc-port", Port(), "--otlp-http-port", Port(),
            $"ASPNETCORE_URLS=http://localhost:{Port()}", $"ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{Port()}",
        ])
        {
            WorkingDirectory = repository,
            // The suite's telemetry goes where the AppHost says, not where the caller's shell does.
            Environment = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
                .Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToDictionary(k => k, _ => (string?)null),
            StopTimeout = TimeSpan.FromSeconds(60),
            RecentLines = 200,
        });
        var suite = new WorkshopSuite(process, state);
        try
        {
            var deadline = DateTime.UtcNow + ReadyTimeout;
            while (!File.Exists(suite.EndpointsPath))
            {
                if (process.Exited.IsCompleted)
                {
                    throw new InvalidOperationException($"The AppHost of {repository} exited with code {await process.Exited}:\n{string.Join('\n', process.RecentOutput)}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The suite of {repository} was not ready within {ReadyTimeout}:\n{string.Join('\n', process.RecentOutput)}");
                }

                await Task.Delay(250);
            }

            await Task.Delay(100); // written in one move; let the AppHost close it
            return suite;
        }
        catch
        {
            await suite.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            _state.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // PostgreSQL's files (owned by postgres when we run as root) stay in the temporary folder.
        }
    }
}
