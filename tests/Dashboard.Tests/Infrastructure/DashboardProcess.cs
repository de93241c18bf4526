using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Shop.Hosting;
using Shop.Testing;

namespace Shop.Dashboard.Tests.Infrastructure;

/// <summary>
/// The built dashboard started as its own process on free 127.0.0.1 ports (query, OTLP/HTTP, OTLP/gRPC),
/// configured only through Dashboard__* environment variables, as the AppHost does. Disposing kills it.
/// </summary>
public sealed class DashboardProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private DashboardProcess(Process process, ConcurrentQueue<string> output, int queryPort, int httpPort, int grpcPort)
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

    /// <summary>Starts the dashboard with extra settings (keys without the Dashboard__ prefix, e.g. MaxSpans) and waits for /alive.</summary>
    public static async Task<DashboardProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var (queryPort, httpPort, grpcPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var environment = new Dictionary<string, string>
        {
            ["Dashboard__QueryUrl"] = $"http://127.0.0.1:{queryPort}",
            ["Dashboard__OtlpHttpUrl"] = $"http://127.0.0.1:{httpPort}",
            ["Dashboard__OtlpGrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment["Dashboard__" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var (process, output) = Launch(environment);
        var dashboard = new DashboardProcess(process, output, queryPort, httpPort, grpcPort);
        try
        {
            await dashboard.WaitUntilAliveAsync(TimeSpan.FromSeconds(30));
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
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"The dashboard kept running:\n{string.Join('\n', output)}");
            }

            process.WaitForExit();
            return (process.ExitCode, string.Join('\n', output));
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
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static (Process Process, ConcurrentQueue<string> Output) Launch(IReadOnlyDictionary<string, string> environment)
    {
        var dll = Dll;
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k.StartsWith("Dashboard__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var output = new ConcurrentQueue<string>();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dll}.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private async Task WaitUntilAliveAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The dashboard exited with code {_process.ExitCode}:\n{string.Join('\n', Output)}");
            }

            try
            {
                using var response = await Api.GetAsync("/alive");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The dashboard at {QueryUrl} was not alive within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s:\n{string.Join('\n', Output)}");
    }
}
