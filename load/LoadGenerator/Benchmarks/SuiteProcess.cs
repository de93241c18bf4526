using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Shop.Hosting;
using Shop.LoadGenerator.Suite;

namespace Shop.LoadGenerator.Benchmarks;

/// <summary>
/// A whole suite for a benchmark: the built AppHost (Release) as a child process with free ports, its own state directory,
/// the benchmark's PostgreSQL and extra variables for its children. It dies with us; disposing stops it with SIGTERM.
/// </summary>
internal sealed partial class SuiteProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);
    private readonly ChildProcess _process;
    private readonly DirectoryInfo _state;

    private SuiteProcess(string name, ChildProcess process, DirectoryInfo state, SuiteEndpoints endpoints)
    {
        Name = name;
        _process = process;
        _state = state;
        Gateway = endpoints.Gateway;
        Dashboard = endpoints.Dashboard ?? throw new InvalidDataException("endpoints.json has no dashboard URL.");
    }

    public string Name { get; }

    public Uri Gateway { get; }

    public Uri Dashboard { get; }

    /// <summary>The AppHost built in the configuration we were built in (Release for benchmarks).</summary>
    public static string AppHostDll => RepoRoot.Of("AppHost", "bin", BuildConfiguration, "net10.0", "Shop.AppHost.dll");

    private static string BuildConfiguration =>
        typeof(SuiteProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>
    /// Starts the AppHost in Production (no per-command SQL logging of Development), without Prometheus, with
    /// <paramref name="environment"/> for its children, and waits until it wrote endpoints.json.
    /// </summary>
    public static async Task<SuiteProcess> StartAsync(string name, BenchPostgres postgres, IReadOnlyDictionary<string, string?> environment, TextWriter log, CancellationToken cancellationToken)
    {
        if (!File.Exists(AppHostDll))
        {
            throw new FileNotFoundException($"{AppHostDll} is missing: build first (dotnet build Shop.sln -c {BuildConfiguration}).", AppHostDll);
        }

        var state = Directory.CreateTempSubdirectory("shop-bench-state-");
        var variables = new Dictionary<string, string?>(environment);
        foreach (var key in System.Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)))
        {
            variables.TryAdd(key, null); // the variant decides the suite's telemetry, not the caller's shell
        }

        var output = new ConcurrentQueue<string>();
        var process = ChildProcess.Start(new ChildProcessOptions("dotnet",
        [
            AppHostDll, "--state-dir", state.FullName, "--postgres", postgres.ConnectionString, "--environment", "Production",
            "--gateway-port", Port(), "--dashboard-port", Port(), "--otlp-grpc-port", Port(), "--otlp-http-port", Port(),
            "--no-prometheus", "--quiet",
        ])
        {
            Environment = variables,
            StopTimeout = TimeSpan.FromSeconds(60),
            RecentLines = 200,
        });
        try
        {
            var endpointsPath = Path.Combine(state.FullName, "run", "endpoints.json");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ReadyTimeout);
            while (!File.Exists(endpointsPath))
            {
                if (process.Exited.IsCompleted)
                {
                    throw new InvalidOperationException($"The {name} suite's AppHost exited with code {await process.Exited}:\n{string.Join('\n', process.RecentOutput)}");
                }

                try
                {
                    await Task.Delay(200, timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"The {name} suite was not ready within {ReadyTimeout}:\n{string.Join('\n', process.RecentOutput)}");
                }
            }

            await Task.Delay(100, cancellationToken); // the AppHost writes endpoints.json in one go; let it close the file
            var suite = new SuiteProcess(name, process, state, SuiteEndpoints.Read(endpointsPath));
            log.WriteLine($"{name} suite ready: gateway {suite.Gateway}, dashboard {suite.Dashboard}");
            return suite;
        }
        catch
        {
            await process.DisposeAsync();
            state.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>CPU time used so far by each process, labelled by component: the services and the dashboard by name, the AppHost with its helpers as apphost.</summary>
    public CpuSnapshot CpuTimes() => ProcessCpu.Snapshot([_process.Id, .. ProcessTree.DescendantsOf(_process.Id)], pid =>
    {
        var match = AssemblyName().Match(ProcessTree.CommandLine(pid));
        return match.Success && match.Groups[1].Value != "AppHost" ? match.Groups[1].Value.ToLowerInvariant() : "apphost";
    });

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            _state.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left in the temporary folder.
        }
    }

    private static string Port() => FreePort.Next().ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Shop\.(\w+)\.dll")]
    private static partial Regex AssemblyName();
}
