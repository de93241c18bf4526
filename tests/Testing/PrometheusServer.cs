using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Shop.Hosting;

namespace Shop.Testing;

/// <summary>
/// A real Prometheus server for a test: its own configuration and TSDB in a temporary folder, on a free
/// 127.0.0.1 port. Disposing it kills the process and deletes the folder, also when the test failed.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private PrometheusServer(Process process, string directory, string baseUrl)
    {
        _process = process;
        Directory = directory;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string BaseUrl { get; }

    /// <summary>The temporary folder holding prometheus.yml, the TSDB and anything the test put there.</summary>
    public string Directory { get; }

    public HttpClient Http { get; }

    /// <summary>What Prometheus logged so far, for failure messages.</summary>
    public string Output => string.Join('\n', _output.TakeLast(40));

    /// <summary>
    /// Starts prometheus with the configuration <paramref name="config"/> (YAML; rule files may be
    /// written next to it first with <paramref name="files"/>) and waits until it is ready.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(
        string config, IReadOnlyDictionary<string, string>? files = null, IEnumerable<string>? extraArguments = null)
    {
        var binary = ExternalTool.Require("prometheus", "prometheus");
        var directory = System.IO.Directory.CreateTempSubdirectory("shop-prometheus-").FullName;
        PrometheusServer? server = null;
        try
        {
            foreach (var (name, content) in files ?? new Dictionary<string, string>())
            {
                await File.WriteAllTextAsync(Path.Combine(directory, name), content);
            }

            var configPath = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(configPath, config);
            var port = FreePort.Next();
            var start = new ProcessStartInfo(binary,
            [
                $"--config.file={configPath}",
                $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                .. extraArguments ?? [],
            ])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start prometheus.");
            server = new PrometheusServer(process, directory, $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
            return server;
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            else
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Runs an instant query; returns the result vector (data.result).</summary>
    public async Task<JsonElement> QueryAsync(string promql)
    {
        var response = await GetDataAsync($"/api/v1/query?query={Uri.EscapeDataString(promql)}");
        return response.GetProperty("result");
    }

    /// <summary>GETs an API path and returns its data, failing with Prometheus' error when status is not success.</summary>
    public async Task<JsonElement> GetDataAsync(string pathAndQuery)
    {
        using var response = await Http.GetAsync(pathAndQuery);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus {pathAndQuery}: {body}");
        }

        return body.GetProperty("data").Clone();
    }

    /// <summary>Polls until <paramref name="condition"/> returns a value, or fails with what Prometheus logged.</summary>
    public async Task<T> WaitForAsync<T>(Func<Task<T?>> condition, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition() is { } result)
                {
                    return result;
                }
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or KeyNotFoundException)
            {
                last = e;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Prometheus: {what} not within {timeout}. {last?.Message}\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await ServerProcess.StopAndDeleteAsync(_process, Directory);
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with code {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync("/-/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"prometheus at {BaseUrl} was not ready within {timeout}:\n{Output}");
    }
}
