using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Shop.Hosting;

namespace Shop.Testing;

/// <summary>
/// A real Alertmanager (Debian's prometheus-alertmanager) for a test: its configuration and state in a
/// temporary folder, on a free 127.0.0.1 port, clustering off. Disposing kills it and deletes the folder.
/// </summary>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _directory;

    private AlertmanagerServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Address = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        Http = new HttpClient { BaseAddress = new Uri($"http://{Address}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>host:port, as Prometheus' alerting.alertmanagers targets want it.</summary>
    public string Address { get; }

    public HttpClient Http { get; }

    /// <summary>What Alertmanager logged so far, for failure messages.</summary>
    public string Output => string.Join('\n', _output.TakeLast(40));

    /// <summary>Starts prometheus-alertmanager with <paramref name="config"/> (YAML) and waits until it is ready.</summary>
    public static async Task<AlertmanagerServer> StartAsync(string config)
    {
        var binary = ExternalTool.Require("prometheus-alertmanager", "prometheus-alertmanager");
        var directory = Directory.CreateTempSubdirectory("shop-alertmanager-").FullName;
        var configPath = Path.Combine(directory, "alertmanager.yml");
        await File.WriteAllTextAsync(configPath, config);
        var port = FreePort.Next();
        var process = Process.Start(new ProcessStartInfo(binary,
        [
            $"--config.file={configPath}",
            $"--storage.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--cluster.listen-address=",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        });
        if (process is null)
        {
            Directory.Delete(directory, recursive: true);
            throw new InvalidOperationException("Could not start prometheus-alertmanager.");
        }

        var server = new AlertmanagerServer(process, directory, port);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await HttpHealth.WaitAsync(new Uri($"http://{server.Address}/-/ready"), TimeSpan.FromSeconds(30));
            return server;
        }
        catch (Exception e)
        {
            var output = server.Output;
            await server.DisposeAsync();
            throw new InvalidOperationException($"prometheus-alertmanager did not get ready: {e.Message}\n{output}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await ServerProcess.StopAndDeleteAsync(_process, _directory);
    }
}
