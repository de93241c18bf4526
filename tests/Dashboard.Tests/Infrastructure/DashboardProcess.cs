using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Shop.Hosting;
using Shop.Testing;

namespace Shop.Dashboard.Tests.Infrastructure;

/// <summary>
/// The built dashboard started as its own process on free 127.0.0.1 ports (query, OTLP/HTTP, OTLP/gRPC),
/// configured only through Dashboard__* environment variables, as the AppHost does. It dies with the
/// test host; disposing stops it.
/// </summary>
public sealed class DashboardProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly ConcurrentQueue<string> _output;

    private DashboardProcess(ChildProcess process, ConcurrentQueue<string> output, int queryPort, int httpPort, int grpcPort)
    {
        _process = process;
        _output = output;
        QueryUrl = $"http://127.0.0.1:{queryPort}";
        OtlpHttpUrl = $"http://127.0.0.1:{httpPort}";
        OtlpGrpcUrl = $"http://127.0.0.1:{grpcPort}";
        Api = new HttpClient { BaseAddress = new Uri(QueryUrl), Timeout = TimeSpan.FromSeconds(30) };
        Otlp = new HttpClient { BaseAddress = new Uri(OtlpHttpUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public static string Dll => BuiltApp.Dll("src/Dashboard", "Shop.Dashboard");

    public string QueryUrl { get; }

    public string OtlpHttpUrl { get; }

    public string OtlpGrpcUrl { get; }

    /// <summary>A client of the query port (UI and API).</summary>
    public HttpClient Api { get; }

    /// <summary>A client of the OTLP/HTTP port.</summary>
    public HttpClient Otlp { get; }

    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>Sends SIGTERM, as DCP does when the suite stops, and waits for the dashboard to exit (SIGKILL after the stop timeout).</summary>
    public Task<int> StopAsync() => _process.StopAsync();

    /// <summary>Starts the dashboard with extra settings (keys without the Dashboard__ prefix, e.g. MaxSpans) and waits for /alive.</summary>
    public static async Task<DashboardProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var (queryPort, httpPort, grpcPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var environment = new Dictionary<string, string>
        {
            ["Dashboard__QueryUrl"] = $"http://127.0.0.1:{queryPort}",
            ["Dashboard__OtlpHttpUrl"] = $"http://127.0.0.1:{httpPort}",
            ["Dashboard__OtlpGrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
            // Nothing exports to a test's dashboard while the test disposes it: it stops at once (StopDrainTests sets its own).
            ["Dashboard__StopDrain"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment["Dashboard__" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var (process, output) = Launch(environment);
        var dashboard = new DashboardProcess(process, output, queryPort, httpPort, grpcPort);
        try
        {
            await HttpHealth.WaitAsync(new Uri($"{dashboard.QueryUrl}/alive"), TimeSpan.FromSeconds(30), process);
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }

        return dashboard;
    }

    /// <summary>Runs the dashboard with <paramref name="environment"/> expecting it to refuse to start; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunExpectingExitAsync(IReadOnlyDictionary<string, string> environment)
    {
        var (process, output) = Launch(environment);
        await using (process)
        {
            try
            {
                var exitCode = await process.Exited.WaitAsync(TimeSpan.FromSeconds(30));
                return (exitCode, string.Join('\n', output));
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"The dashboard kept running:\n{string.Join('\n', output)}");
            }
        }
    }

    /// <summary>GET on the query port; the parsed JSON of a successful answer.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Api.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>POSTs an OTLP/HTTP protobuf export request.</summary>
    public async Task<HttpResponseMessage> PostProtobufAsync(string path, IMessage request)
    {
        using var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return await Otlp.PostAsync(path, content);
    }

    /// <summary>The <c>data</c> of /api/status.</summary>
    public async Task<JsonElement> StatusAsync() => (await GetJsonAsync("/api/status")).GetProperty("data");

    /// <summary>Polls until <paramref name="condition"/> reports done, or fails with <paramref name="what"/> and the dashboard's output.</summary>
    public async Task<T> WaitForAsync<T>(Func<Task<(bool Done, T Value)>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var (done, value) = await condition();
            if (done)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Dashboard: {what} not seen in time. Output:\n{string.Join('\n', Output.TakeLast(20))}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the trace is stored with at least <paramref name="spans"/> spans; returns Jaeger's trace object.</summary>
    public Task<JsonElement> WaitForTraceAsync(string traceId, int spans = 1) => WaitForAsync(async () =>
    {
        using var response = await Api.GetAsync($"/api/traces/{traceId}");
        if (!response.IsSuccessStatusCode)
        {
            return (false, default(JsonElement));
        }

        var trace = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data")[0].Clone();
        return (trace.GetProperty("spans").GetArrayLength() >= spans, trace);
    }, $"trace {traceId} with {spans} span(s)");

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        Otlp.Dispose();
        await _process.DisposeAsync();
    }

    private static (ChildProcess Process, ConcurrentQueue<string> Output) Launch(IReadOnlyDictionary<string, string> environment)
    {
        var dll = Dll;

        // Nothing of the test runner's own OTEL_* or Dashboard__* settings leaks into the dashboard.
        var variables = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(key => key.StartsWith("OTEL_", StringComparison.Ordinal) || key.StartsWith("Dashboard__", StringComparison.Ordinal))
            .ToDictionary(key => key, _ => (string?)null);
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
        return (process, output);
    }
}
