using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Shop.Hosting;
using Shop.Testing;

namespace Shop.AppHost.Tests;

/// <summary>
/// The built AppHost (Shop.AppHost.dll) as a process with its own state directory and free ports, so it never meets a
/// suite the user runs. It dies with the test process; disposing it stops it with SIGINT and removes the directory.
/// </summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    private readonly ChildProcess _process;
    private readonly ConcurrentQueue<string> _output;
    private readonly TempDirectory _state;

    private AppHostProcess(ChildProcess process, ConcurrentQueue<string> output, TempDirectory state, int gatewayPort)
    {
        _process = process;
        _output = output;
        _state = state;
        GatewayPort = gatewayPort;
    }

    public int ProcessId => _process.Id;

    public int GatewayPort { get; }

    public string EndpointsPath => _state.Combine("run/endpoints.json");

    /// <summary>endpoints.json as it was when the suite became ready.</summary>
    public JsonElement Endpoints { get; private set; }

    public Task<int> Exited => _process.Exited;

    /// <summary>Everything the AppHost printed so far, for assertions and failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The built AppHost.</summary>
    public static string Dll => BuiltApp.Dll("AppHost", "Shop.AppHost");

    /// <summary>Starts the AppHost with free non-default ports (<paramref name="gatewayPort"/> when given) and the extra variables for its children.</summary>
    public static AppHostProcess Start(IReadOnlyDictionary<string, string?>? environment = null, int? gatewayPort = null, params string[] arguments)
    {
        var state = new TempDirectory();
        var gateway = gatewayPort ?? FreePort.Next();
        var output = new ConcurrentQueue<string>();
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>());
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)))
        {
            variables.TryAdd(key, null); // the test runner's own telemetry settings are not the suite's
        }

        var process = ChildProcess.Start(new ChildProcessOptions("dotnet",
        [
            Dll, "--state-dir", state.FullPath,
            "--gateway-port", Text(gateway), "--dashboard-port", Text(FreePort.Next()),
            "--otlp-grpc-port", Text(FreePort.Next()), "--otlp-http-port", Text(FreePort.Next()),
            .. arguments,
        ])
        {
            Environment = variables,
            Output = line => output.Enqueue(line.Text),
            StopSignal = PosixSignal.SIGINT,
            StopTimeout = TimeSpan.FromSeconds(60),
            RecentLines = 200,
        });
        return new AppHostProcess(process, output, state, gateway);
    }

    /// <summary>Starts the AppHost and waits until it wrote endpoints.json.</summary>
    public static async Task<AppHostProcess> StartReadyAsync(IReadOnlyDictionary<string, string?>? environment = null, params string[] arguments)
    {
        var apphost = Start(environment, null, arguments);
        try
        {
            await apphost.WaitUntilReadyAsync();
            return apphost;
        }
        catch
        {
            await apphost.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls until endpoints.json exists; fails with the output when the AppHost exits or time runs out.</summary>
    public async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (!File.Exists(EndpointsPath))
        {
            if (_process.Exited.IsCompleted)
            {
                throw new InvalidOperationException($"The AppHost exited with code {await _process.Exited} before it was ready:\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The AppHost was not ready within {ReadyTimeout}:\n{Output}");
            }

            await Task.Delay(100);
        }

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(EndpointsPath));
        Endpoints = document.RootElement.Clone();
    }

    /// <summary>Sends SIGINT (Ctrl+C) and waits for the exit code.</summary>
    public Task<int> InterruptAsync() => _process.StopAsync();

    /// <summary>The pid of the running service <paramref name="assemblyName"/> (e.g. Shop.Orders), a dotnet process below the AppHost.</summary>
    public int ServiceProcessId(string assemblyName) =>
        ProcessTable.DescendantsOf(ProcessId).Single(pid =>
            ReadProc(pid, "comm").Trim() == "dotnet" && ReadProc(pid, "cmdline").Contains(assemblyName + ".dll", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _state.Dispose();
    }

    private static string ReadProc(int pid, string file)
    {
        try
        {
            return File.ReadAllText($"/proc/{Text(pid)}/{file}");
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
