using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using System.Text.RegularExpressions;
using Shop.Hosting;
using Shop.LoadGenerator.Suite;
using Shop.LoadGenerator.Suite.AspireResourceService;

namespace Shop.LoadGenerator.Benchmarks;

/// <summary>
/// A whole suite for a benchmark: the built Aspire AppHost (Release) as a child process with random ports (DCP's
/// RandomizePorts, two free ones for the Aspire dashboard), its own state directory, the benchmark's PostgreSQL and
/// extra variables for its children. It dies with us; disposing stops it with SIGTERM, and the AppHost waits for DCP
/// to stop every process it started.
/// </summary>
internal sealed partial class SuiteProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);
    private readonly ChildProcess _process;
    private readonly DirectoryInfo _state;

    private readonly string _marker;
    private ResourceService? _resourceService;

    private SuiteProcess(string name, ChildProcess process, DirectoryInfo state, SuiteEndpoints endpoints, string marker)
    {
        Name = name;
        _marker = marker;
        Endpoints = endpoints;
        _process = process;
        _state = state;
        Gateway = endpoints.Gateway;
        Dashboard = endpoints.Dashboard ?? throw new InvalidDataException("endpoints.json has no dashboard URL.");
    }

    public string Name { get; }

    public Uri Gateway { get; }

    public Uri Dashboard { get; }

    /// <summary>Everything endpoints.json says: services' addresses, the payments admin token.</summary>
    public SuiteEndpoints Endpoints { get; }

    /// <summary>The AppHost built in the configuration we were built in (Release for benchmarks).</summary>
    public static string AppHostDll => RepoRoot.Of("AppHost", "bin", BuildConfiguration, "net10.0", "Shop.AppHost.dll");

    /// <summary>The suite's endpoints.json (what <c>scan-pii --endpoints</c> reads).</summary>
    public string EndpointsPath => Path.Combine(_state.FullName, "run", "endpoints.json");

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

        // DCP runs detached from the AppHost, so its processes are found by this variable, which they all inherit.
        var marker = $"{SuiteVariable}={Guid.NewGuid():N}";
        variables[SuiteVariable] = marker[(SuiteVariable.Length + 1)..];

        var process = ChildProcess.Start(new ChildProcessOptions("dotnet",
        [
            AppHostDll, "--state-dir", state.FullName, "--postgres", postgres.ConnectionString, "--environment", "Production",
            "--prometheus", "false", "DcpPublisher:RandomizePorts=true",
            $"ASPNETCORE_URLS=http://localhost:{Port()}", $"ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{Port()}",
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
            var suite = new SuiteProcess(name, process, state, SuiteEndpoints.Read(endpointsPath), marker);
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

    /// <summary>
    /// CPU time used so far by each process, labelled by component: the services and the Shop dashboard by name, the
    /// Aspire dashboard as aspire-dashboard, the AppHost with DCP, its proxies and the `dotnet run` launchers as apphost.
    /// </summary>
    public CpuSnapshot CpuTimes() => ProcessCpu.Snapshot([.. SuiteProcesses()], pid =>
    {
        var command = ProcessTree.CommandLine(pid);
        if (command.Contains("Aspire.Dashboard", StringComparison.Ordinal))
        {
            return "aspire-dashboard";
        }

        var match = ServiceBinary().Match(command);
        return match.Success && match.Groups[1].Value != "AppHost" ? match.Groups[1].Value.ToLowerInvariant() : "apphost";
    });

    /// <summary>Kills the service's process with SIGKILL (kill -9): no shutdown, no flush; returns its process id.</summary>
    public int Kill(string service)
    {
        var pid = SuiteProcesses().FirstOrDefault(p => ServiceBinary().Match(ProcessTree.CommandLine(p)) is { Success: true } m
            && m.Groups[1].Value.Equals(service, StringComparison.OrdinalIgnoreCase) && !ProcessTree.CommandLine(p).Contains("Aspire", StringComparison.Ordinal));
        if (pid == 0)
        {
            throw new InvalidOperationException($"No process of {service} runs in the {Name} suite.");
        }

        using var process = Process.GetProcessById(pid);
        process.Kill(); // SIGKILL on Unix
        process.WaitForExit(TimeSpan.FromSeconds(10));
        return pid;
    }

    /// <summary>
    /// Starts a stopped (or killed) project resource again through the AppHost's resource service, as the Aspire
    /// dashboard's Start button does; retried until DCP has noticed the exit and the command is accepted.
    /// </summary>
    public async Task StartResourceAsync(string resource, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var last = "";
        while (true)
        {
            try
            {
                var answer = await ResourceServiceClient().ExecuteAsync("resource-start", resource, cancellationToken);
                if (answer.Kind == ResourceCommandResponseKind.Succeeded)
                {
                    return;
                }

                last = $"{answer.Kind}: {answer.Message}{answer.ErrorMessage}";
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                last = $"{e.StatusCode}: {e.Status.Detail}";
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"{resource} did not start again within {timeout}: the AppHost answered {last}");
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>Waits until the service's /health answers 200.</summary>
    public async Task WaitHealthyAsync(string service, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Endpoints.Services[service], Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // not back yet
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"{service} was not healthy within {timeout}.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _resourceService?.Dispose();
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

    private const string SuiteVariable = "SHOP_BENCH_SUITE";

    /// <summary>
    /// The AppHost's resource service, at the address and with the API key the AppHost gave its Aspire dashboard. Aspire
    /// 13.6.5 picks both itself under DcpPublisher:RandomizePorts (ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL and
    /// AppHost:ResourceService:ApiKey set on the AppHost were overridden), so they are read from the dashboard
    /// process's environment, which is ours to read: it is our child's child.
    /// </summary>
    private ResourceService ResourceServiceClient()
    {
        if (_resourceService is not null)
        {
            return _resourceService;
        }

        foreach (var pid in SuiteProcesses().Where(p => ProcessTree.CommandLine(p).Contains("Aspire.Dashboard", StringComparison.Ordinal)))
        {
            var variables = Environ(pid).Split('\0').Select(v => v.Split('=', 2)).Where(v => v.Length == 2).ToDictionary(v => v[0], v => v[1], StringComparer.Ordinal);
            if (variables.TryGetValue("ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", out var url) && variables.TryGetValue("DASHBOARD__RESOURCESERVICECLIENT__APIKEY", out var key))
            {
                return _resourceService = new ResourceService(new Uri(url), key);
            }
        }

        throw new InvalidOperationException($"The {Name} suite's Aspire dashboard, and with it the AppHost's resource service address, was not found.");
    }

    private static string Port() => FreePort.Next().ToString(CultureInfo.InvariantCulture);

    // The AppHost and its children, and every process that inherited the suite's variable (DCP and what it runs).
    private HashSet<int> SuiteProcesses()
    {
        var pids = new HashSet<int>([_process.Id, .. ProcessTree.DescendantsOf(_process.Id)]);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && !pids.Contains(pid) && Environ(pid).Contains(_marker, StringComparison.Ordinal))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    private static string Environ(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ""; // ended, or not ours to read
        }
    }

    // A service as the apphost executable (bin/.../Shop.Users) or a dll (Shop.Users.dll).
    [GeneratedRegex(@"Shop\.(\w+)(?:\.dll)?(?:\s|$)")]
    private static partial Regex ServiceBinary();

    /// <summary>The AppHost's resource service (aspire.v1.DashboardService over gRPC), with its API key.</summary>
    private sealed class ResourceService(Uri address, string apiKey) : IDisposable
    {
        private readonly GrpcChannel _channel = GrpcChannel.ForAddress(address);

        public async Task<ResourceCommandResponse> ExecuteAsync(string command, string resource, CancellationToken cancellationToken) =>
            await new DashboardService.DashboardServiceClient(_channel).ExecuteResourceCommandAsync(
                new ResourceCommandRequest { CommandName = command, ResourceName = resource, ResourceType = "Project" },
                new Metadata { { "x-resource-service-api-key", apiKey } }, DateTime.UtcNow.AddSeconds(60), cancellationToken);

        public void Dispose() => _channel.Dispose();
    }
}
