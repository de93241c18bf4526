using System.Globalization;
using System.Text.Json;
using Shop.Hosting;

namespace Shop.Testing;

/// <summary>
/// A whole suite from a built AppHost run as a program (this repository's or a copy's, as Templates.Tests and
/// Workshop.Tests start them; Aspire.Hosting.Testing binds to the AppHost compiled into the test): its own state
/// directory, every port free (DcpPublisher:RandomizePorts plus free ports for the ones a user types), Prometheus and
/// Alertmanager when installed unless <c>--prometheus false</c> is among the options; ready once endpoints.json is written.
/// Disposing sends SIGTERM, and the AppHost waits for DCP to stop everything it started; the process dies with the test host.
/// </summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(5);
    private readonly ChildProcess _process;
    private readonly TempDirectory _state;

    private AppHostProcess(ChildProcess process, TempDirectory state)
    {
        _process = process;
        _state = state;
    }

    /// <summary>The suite's endpoints.json, the contract for scripts (what ./workshop/check --endpoints reads).</summary>
    public string EndpointsPath => _state.Combine("run/endpoints.json");

    public IReadOnlyList<string> RecentOutput => _process.RecentOutput;

    /// <summary>The AppHost's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>endpoints.json as it was when the suite became ready.</summary>
    public JsonElement Endpoints { get; private set; }

    /// <summary>
    /// Starts <c>repository/AppHost/bin/{configuration}/net10.0/Shop.AppHost.dll</c> with AppHost <paramref name="options"/>
    /// (e.g. <c>--prometheus false</c>) and waits for its endpoints.json.
    /// </summary>
    public static async Task<AppHostProcess> StartAsync(string repository, params string[] options)
    {
        var appHost = Path.Combine(repository, "AppHost", "bin", BuiltApp.Configuration, "net10.0", "Shop.AppHost.dll");
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
            $"ASPNETCORE_URLS=http://localhost:{Port()}", $"ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{Port()}", .. options,
        ])
        {
            WorkingDirectory = repository,
            // The suite's telemetry goes where the AppHost says, not where the caller's shell does.
            Environment = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
                .Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToDictionary(k => k, _ => (string?)null),
            StopTimeout = TimeSpan.FromSeconds(60),
            RecentLines = 200,
        });
        var suite = new AppHostProcess(process, state);
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
            using var endpoints = JsonDocument.Parse(await File.ReadAllTextAsync(suite.EndpointsPath));
            suite.Endpoints = endpoints.RootElement.Clone();
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
