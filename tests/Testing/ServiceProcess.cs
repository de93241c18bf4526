using System.Collections.Concurrent;
using Shop.Hosting;

namespace Shop.Testing;

/// <summary>
/// A built service started as its own process on a free 127.0.0.1 port, configured only through
/// environment variables (as the AppHost does), with its console output kept for assertions.
/// It dies with the test process; disposing it kills it if it is still running.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly ConcurrentQueue<string> _output;

    private ServiceProcess(ChildProcess process, ConcurrentQueue<string> output, string baseUrl)
    {
        _process = process;
        _output = output;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The HTTP/1.1 address (Kestrel endpoint "http"): health, metrics and the JSON API.</summary>
    public string BaseUrl { get; }

    public HttpClient Http { get; }

    /// <summary>Every line the process wrote to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    public bool HasExited => _process.Exited.IsCompleted;

    /// <summary>
    /// Starts <paramref name="dll"/> with <paramref name="environment"/> (OTEL_* of the test runner are not inherited)
    /// on <paramref name="baseUrl"/> (default: a free port) and waits for /alive.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string dll, IReadOnlyDictionary<string, string?> environment, TimeSpan? timeout = null, string? baseUrl = null)
    {
        baseUrl ??= $"http://127.0.0.1:{FreePort.Next()}";
        var variables = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(key => key.StartsWith("OTEL_", StringComparison.Ordinal))
            .ToDictionary(key => key, _ => (string?)null);
        // A named endpoint rather than ASPNETCORE_URLS: Kestrel ignores the URLs once any endpoint is
        // configured, and gRPC services add their HTTP/2 endpoint as Kestrel__Endpoints__grpc__*.
        variables["Kestrel__Endpoints__http__Url"] = baseUrl;
        variables["ASPNETCORE_ENVIRONMENT"] = "Production";
        variables["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            variables[key] = value;
        }

        var output = new ConcurrentQueue<string>();
        var process = ChildProcess.Start(new ChildProcessOptions("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll),
            Environment = variables,
            Output = line => output.Enqueue(line.Text),
        });
        var service = new ServiceProcess(process, output, baseUrl);
        try
        {
            await HttpHealth.WaitAsync(new Uri($"{baseUrl}/alive"), timeout ?? TimeSpan.FromSeconds(30), process);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    /// <summary>Stops the process the way an orchestrator does (SIGTERM) and waits for it to exit.</summary>
    public Task StopAsync() => _process.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
    }
}
