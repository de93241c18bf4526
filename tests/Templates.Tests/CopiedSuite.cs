using System.Globalization;
using System.Text.Json;
using Shop.Hosting;
using Shop.Testing;

namespace Shop.Templates.Tests;

/// <summary>
/// The copy's own AppHost, built there, run as a process on random ports with its own state directory and without
/// Prometheus; ready once it wrote endpoints.json (every resource healthy). Disposing it stops it with SIGTERM, and the
/// AppHost exits once DCP stopped every process it started.
/// </summary>
/// <remarks>
/// Not Aspire.Hosting.Testing: its <c>CreateAsync&lt;Projects.AppHost&gt;</c> runs the AppHost compiled into the test
/// assembly, and the copy's AppHost (with the new service) is built after this test was; loading that build into the
/// test process would mix two builds of the AppHost's libraries. The built AppHost with the documented options
/// (--state-dir, DcpPublisher:RandomizePorts) is the program a user runs, and endpoints.json is the contract for tests
/// and scripts, as for the benchmarks' suites.
/// </remarks>
internal sealed class CopiedSuite : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(5);

    private readonly ChildProcess _process;

    private CopiedSuite(ChildProcess process, JsonElement endpoints)
    {
        _process = process;
        Endpoints = endpoints;
    }

    /// <summary>endpoints.json as it was when the suite became ready.</summary>
    public JsonElement Endpoints { get; }

    public static async Task<CopiedSuite> StartAsync(string appHostDll, string stateDirectory)
    {
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(key => key.StartsWith("OTEL_", StringComparison.Ordinal))
            .ToDictionary(key => key, _ => (string?)null); // the suite's telemetry goes to its own dashboards
        var process = ChildProcess.Start(new ChildProcessOptions("dotnet",
        [
            appHostDll, "--state-dir", stateDirectory, "--prometheus", "false", "--environment", "Production",
            "DcpPublisher:RandomizePorts=true", $"ASPNETCORE_URLS=http://localhost:{Port()}", $"ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{Port()}",
        ])
        {
            Environment = environment,
            StopTimeout = TimeSpan.FromSeconds(60),
            RecentLines = 200,
        });
        try
        {
            var path = Path.Combine(stateDirectory, "run", "endpoints.json");
            var deadline = DateTime.UtcNow + ReadyTimeout;
            while (!File.Exists(path))
            {
                if (process.Exited.IsCompleted || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException(
                        $"The copy's AppHost {(process.Exited.IsCompleted ? "exited" : $"was not ready within {ReadyTimeout}")}:\n{string.Join('\n', process.RecentOutput)}");
                }

                await Task.Delay(200);
            }

            await Task.Delay(100); // written in one step (a rename); let the writer close it
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            return new CopiedSuite(process, document.RootElement.Clone());
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static string Port() => FreePort.Next().ToString(CultureInfo.InvariantCulture);
}
