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

    private ServiceProcess(ChildProcess process, ConcurrentQueue<string> output, string baseUrl, Uri? grpcAddress)
    {
        _process = process;
        _output = output;
        BaseUrl = baseUrl;
        GrpcAddress = grpcAddress;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The HTTP/1.1 address (Kestrel endpoint "http"): health, metrics and the JSON API.</summary>
    public string BaseUrl { get; }

    /// <summary>The cleartext HTTP/2 address (Kestrel endpoint "grpc") when started with a gRPC port.</summary>
    public Uri? GrpcAddress { get; }

    public HttpClient Http { get; }

    /// <summary>Every line the process wrote to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    public bool HasExited => _process.Exited.IsCompleted;

    /// <summary>
    /// Starts <paramref name="dll"/> with <paramref name="environment"/> (OTEL_* of the test runner are not inherited) on
    /// <paramref name="baseUrl"/> (default: a free port) and waits for /alive.
    /// With <paramref name="grpcPort"/> it also gets a cleartext HTTP/2 endpoint for gRPC there (<see cref="GrpcAddress"/>).
    /// </summary>
    /// <remarks>
    /// The HTTP endpoint is set as Kestrel:Endpoints:http, not ASPNETCORE_URLS: once any endpoint is configured under
    /// Kestrel:Endpoints (the gRPC one), Kestrel binds only those and ignores ASPNETCORE_URLS with a warning.
    /// </remarks>
    public static async Task<ServiceProcess> StartAsync(
        string dll, IReadOnlyDictionary<string, string?> environment, TimeSpan? timeout = null, int? grpcPort = null, string? baseUrl = null)
    {
        baseUrl ??= $"http://127.0.0.1:{FreePort.Next()}";
        var variables = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(key => key.StartsWith("OTEL_", StringComparison.Ordinal))
            .ToDictionary(key => key, _ => (string?)null);
        variables["ASPNETCORE_URLS"] = null;
        variables["Kestrel__Endpoints__http__Url"] = baseUrl;
        Uri? grpcAddress = null;
        if (grpcPort is { } port)
        {
            grpcAddress = new Uri($"http://127.0.0.1:{port}");
            variables["Kestrel__Endpoints__grpc__Url"] = grpcAddress.ToString();
            variables["Kestrel__Endpoints__grpc__Protocols"] = "Http2";
        }

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
        var service = new ServiceProcess(process, output, baseUrl, grpcAddress);
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
    /// <summary>The first console line that contains <paramref name="text"/>, waited for up to <paramref name="timeout"/> (default <see cref="Eventually.Deadline"/>).</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Eventually.Deadline;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (Output.FirstOrDefault(line => line.Contains(text, StringComparison.Ordinal)) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No console line with '{text}' within {limit}:\n{string.Join('\n', Output)}");
            }

            await Task.Delay(50);
        }
    }

    public Task StopAsync() => _process.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
    }
}
