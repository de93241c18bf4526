using Shop.Testing;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Shop.Grpc.Tests.Infrastructure;

/// <summary>A node process running one of the tests/interop scripts (node from PATH); killed with its children on dispose.</summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private NodeProcess(string script, IEnumerable<string> arguments)
    {
        var directory = RepoPaths.Of("tests", "interop");
        if (!Directory.Exists(Path.Combine(directory, "node_modules")))
        {
            throw new InvalidOperationException($"Run `npm ci` in {directory} first (test.sh does).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            // The scripts exit when their stdin closes, so they end with this process even if it dies.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    public static NodeProcess Start(string script, params string[] arguments) => new(script, arguments);

    /// <summary>The next line the script prints; fails with its stderr when it prints none.</summary>
    public async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(StartupTimeout);
        var line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null)
        {
            await _process.WaitForExitAsync(timeout.Token);
            lock (_stderr)
            {
                throw new InvalidOperationException($"node exited ({_process.ExitCode}) without output: {_stderr}");
            }
        }

        return line;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

/// <summary>tests/interop/server.js: the grpc-js server of the interop service.</summary>
internal sealed class GrpcJsServer : IAsyncDisposable
{
    private readonly NodeProcess _node;

    private GrpcJsServer(NodeProcess node, int port)
    {
        _node = node;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    public static async Task<GrpcJsServer> StartAsync()
    {
        // Port 0: the kernel picks a free port, which the script reports as "listening <port>".
        var node = NodeProcess.Start("server.js", "0");
        try
        {
            var line = await node.ReadLineAsync();
            return new GrpcJsServer(node, int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}

/// <summary>tests/interop/client.js: one call made by grpc-js, and what it saw.</summary>
internal sealed record GrpcJsResult(
    int Code, string Details, JsonElement? Response, Dictionary<string, string> Headers, Dictionary<string, string> Trailers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<GrpcJsResult> CallAsync(string target, object call)
    {
        await using var node = NodeProcess.Start("client.js", target, JsonSerializer.Serialize(call, Json));
        var line = await node.ReadLineAsync();
        return JsonSerializer.Deserialize<GrpcJsResult>(line, Json) ?? throw new InvalidOperationException($"Unreadable result: {line}");
    }
}
