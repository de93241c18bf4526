using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shop.Testing;

namespace Shop.AppHost.Tests;

/// <summary>What a developer sees of a running suite: endpoints.json, a checkout and its trace in both dashboards, Prometheus.</summary>
[Collection(RunningSuite.Name)]
public sealed class RunningSuiteTests(RunningSuiteFixture fixture)
{
    private ShopAppHost AppHost => fixture.AppHost;

    /// <summary>The AppHost's project resources: the Shop dashboard and the four services.</summary>
    public static TheoryData<string> Projects => ["dashboard", "users", "payments", "orders", "gateway"];

    [Fact]
    public void Ready_suite_publishes_its_endpoints_and_keys_to_its_owner_only()
    {
        var endpoints = AppHost.Endpoints;
        foreach (var url in new[]
                 {
                     endpoints.GetProperty("gateway"), endpoints.GetProperty("dashboard"), endpoints.GetProperty("otlp").GetProperty("grpc"),
                     endpoints.GetProperty("otlp").GetProperty("http"), endpoints.GetProperty("aspire").GetProperty("dashboard"),
                 })
        {
            Assert.StartsWith("http://localhost:", url.GetString(), StringComparison.Ordinal);
        }

        // Free ports, never the defaults a developer's own suite listens on.
        Assert.NotEqual("http://localhost:5080", endpoints.GetProperty("gateway").GetString());
        Assert.NotEqual("http://localhost:16686", endpoints.GetProperty("dashboard").GetString());
        Assert.DoesNotContain("password", endpoints.GetProperty("postgres").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.Matches("^[0-9a-f]{32}$", endpoints.GetProperty("aspire").GetProperty("apiKey").GetString());
        Assert.Matches("^[0-9a-f]{32}$", endpoints.GetProperty("paymentsAdminToken").GetString());
        var services = endpoints.GetProperty("services");
        foreach (var (service, keys) in new[]
                 {
                     ("gateway", new[] { "http", "metrics" }), ("users", ["http", "grpc", "metrics"]),
                     ("orders", ["http", "metrics"]), ("payments", ["http", "grpc", "metrics"]),
                 })
        {
            Assert.Equal(keys.Order(), services.GetProperty(service).EnumerateObject().Select(p => p.Name).Order());
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AppHost.EndpointsPath));
    }

    [Fact]
    public void Dcp_serves_its_api_with_the_developer_certificate_exactly_when_the_AppHost_says_so()
    {
        // DCP's API server runs detached and watches the process that started it: this test host, under Aspire.Hosting.Testing.
        var apiServer = Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit))
            .Select(n => Shop.Hosting.ProcessTree.CommandLine(int.Parse(n!, System.Globalization.CultureInfo.InvariantCulture)))
            .Single(c => c.Contains($" start-apiserver --monitor {Environment.ProcessId} ", StringComparison.Ordinal));

        // Without one, the AppHost logs that DCP made its own key (1 to 5 s of CPU per start).
        Assert.Equal(DcpCertificate.FromDeveloperCertificate(AppHost.App.Services), apiServer.Contains(" --tls-cert-file ", StringComparison.Ordinal));
    }

    [Fact]
    public void Aspire_version_check_is_off_so_that_no_package_search_runs_beside_each_start()
    {
        var configuration = AppHost.App.Services.GetRequiredService<IConfiguration>();
        Assert.Equal("true", configuration["ASPIRE_VERSION_CHECK_DISABLED"]);
    }

    [Fact]
    public async Task Checkout_through_the_gateway_is_Paid_and_its_trace_is_in_both_dashboards()
    {
        var endpoints = AppHost.Endpoints;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var order = await Checkout.PlaceOrderAsync(http, new Uri(endpoints.GetProperty("gateway").GetString()!));
        Assert.Equal("Paid", order.GetProperty("status").GetString());
        var traceId = order.GetProperty("traceId").GetString()!;

        // The Shop dashboard's Jaeger API: one trace across the four services.
        var jaeger = await Eventually.GetJsonAsync(http, $"{endpoints.GetProperty("dashboard").GetString()}/api/traces/{traceId}",
            trace => Services(trace).Count == 4, "the checkout trace with all four services in the Shop dashboard");
        Assert.Equal(["gateway", "orders", "payments", "users"], Services(jaeger));

        // Tail sampling is on (only kept traces reach the Aspire dashboard), yet at a developer's rate its budget keeps every
        // trace. The first checkout may be kept as slow, the suite's first calls as errors, any trace by the 10% ratio: a few
        // more checkouts give the budget normal traces that nothing else would keep, and none of them is dropped.
        var gateway = new Uri(endpoints.GetProperty("gateway").GetString()!);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("Paid", (await Checkout.PlaceOrderAsync(http, gateway)).GetProperty("status").GetString());
        }

        var sampling = (await Eventually.GetJsonAsync(http, $"{endpoints.GetProperty("dashboard").GetString()}/api/status",
            status => status.GetProperty("data").GetProperty("sampling") is { ValueKind: JsonValueKind.Object } s && s.GetProperty("tracesKeptBudget").GetInt64() >= 1,
            "a normal trace kept by the tail sampler's budget")).GetProperty("data").GetProperty("sampling");
        Assert.Equal(0, sampling.GetProperty("tracesDropped").GetInt64());

        // Under load only 10 errors and slow traces and 10 others a second go on to the Aspire dashboard; at this rate every one does.
        var status = (await Eventually.GetJsonAsync(http, $"{endpoints.GetProperty("dashboard").GetString()}/api/status", _ => true, "the status")).GetProperty("data");
        Assert.Equal(10, status.GetProperty("forwarding").GetProperty("normalTracesPerSecond").GetDouble());
        Assert.Equal(10, status.GetProperty("forwarding").GetProperty("errorAndSlowTracesPerSecond").GetDouble());
        Assert.True(status.GetProperty("forwarding").GetProperty("logsFollowTraces").GetBoolean());
        Assert.Equal(0, status.GetProperty("sampling").GetProperty("tracesKeptNotForwarded").GetInt64());

        // The Aspire dashboard's telemetry API, with the key from endpoints.json (and closed without it).
        var aspire = endpoints.GetProperty("aspire");
        var url = $"{aspire.GetProperty("dashboard").GetString()}/api/telemetry/traces/{traceId}";
        using (var anonymous = await http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        http.DefaultRequestHeaders.Add("x-api-key", aspire.GetProperty("apiKey").GetString());
        var forwarded = await Eventually.GetJsonAsync(http, url,
            trace => new[] { "gateway", "orders", "payments", "users" }.All(service => trace.GetRawText().Contains($"\"stringValue\":\"{service}\"", StringComparison.Ordinal)),
            "the checkout trace with all four services in the Aspire dashboard");
        Assert.Contains(traceId, forwarded.GetRawText(), StringComparison.Ordinal);

        // Its log records follow it there (the Shop dashboard forwards a trace's records with the trace): orders' "is Paid".
        await Eventually.GetJsonAsync(http, $"{aspire.GetProperty("dashboard").GetString()}/api/telemetry/logs?resource=orders",
            logs => LogRecordsOf(logs, traceId).Any(record => record.GetRawText().Contains("Paid", StringComparison.Ordinal)),
            "orders' log record of the checkout in the Aspire dashboard");
    }

    /// <summary>The log records of one trace in an answer of the Aspire dashboard's telemetry API (OTLP/JSON).</summary>
    private static IEnumerable<JsonElement> LogRecordsOf(JsonElement answer, string traceId) =>
        answer.GetProperty("data").TryGetProperty("resourceLogs", out var resources)
            ? resources.EnumerateArray()
                .SelectMany(resource => resource.GetProperty("scopeLogs").EnumerateArray())
                .SelectMany(scope => scope.GetProperty("logRecords").EnumerateArray())
                .Where(record => record.TryGetProperty("traceId", out var id) && string.Equals(id.GetString(), traceId, StringComparison.OrdinalIgnoreCase))
            : [];

    [Fact]
    public async Task Payments_admin_API_opens_with_the_token_of_endpoints_json()
    {
        var endpoints = AppHost.Endpoints;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var faults = endpoints.GetProperty("services").GetProperty("payments").GetProperty("http").GetString() + "/admin/faults";
        using (var anonymous = await http.GetAsync(faults))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, faults);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoints.GetProperty("paymentsAdminToken").GetString());
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("users")]
    [InlineData("orders")]
    [InlineData("payments")]
    public async Task Each_service_gets_its_own_database_with_a_bounded_pool(string service)
    {
        var connectionString = ProcessEnvironment(await ServiceProcessAsync(service))[$"ConnectionStrings__{service}"];

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        Assert.Equal(service, builder.Database);
        Assert.Equal(15, builder.MaxPoolSize);
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync(); // the password of this run opens it
    }

    [Fact]
    public async Task Services_export_their_telemetry_to_the_Shop_dashboard_under_their_own_names()
    {
        var environment = ProcessEnvironment(await ServiceProcessAsync("orders"));

        Assert.Equal(AppHost.Endpoints.GetProperty("otlp").GetProperty("http").GetString(), environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http/protobuf", environment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("orders", environment["OTEL_SERVICE_NAME"]);
        Assert.StartsWith("service.instance.id=", environment["OTEL_RESOURCE_ATTRIBUTES"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Shop_dashboard_shows_the_slos_of_observability_slos_yaml()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var dashboard = AppHost.Endpoints.GetProperty("dashboard").GetString();

        using var slos = JsonDocument.Parse(await http.GetStringAsync($"{dashboard}/api/slos"));

        string[] expected = ["checkout-availability", "checkout-latency", "gateway-availability", "users-availability", "orders-availability", "payments-availability"];
        var shown = slos.RootElement.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("status")).ToList();
        Assert.Equal(expected, shown.Select(s => s.GetProperty("name").GetString()));
        var latency = shown[1];
        Assert.Equal((99.0, 0.5, "/api/orders"), (latency.GetProperty("objective").GetDouble(), latency.GetProperty("threshold").GetDouble(),
            latency.GetProperty("selector").GetProperty("http_route").GetString()));
    }

    [Fact]
    public async Task Prometheus_scrapes_each_service_as_the_job_of_its_name()
    {
        ExternalTool.Require("prometheus", "prometheus");
        var prometheus = AppHost.Endpoints.GetProperty("prometheus").GetString();
        Assert.StartsWith("http://localhost:", AppHost.Endpoints.GetProperty("alertmanager").GetString(), StringComparison.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        string[] jobs = ["gateway", "orders", "payments", "users"];
        await Eventually.GetJsonAsync(http, prometheus + "/api/v1/targets", targets => Up(targets).SequenceEqual(jobs), "every service's target up");

        // The SLO rules are loaded, so alerts can fire.
        var rules = await http.GetStringAsync(prometheus + "/api/v1/rules");
        Assert.Contains("slo-checkout-availability", rules, StringComparison.Ordinal);

        static string[] Up(JsonElement targets) =>
        [
            .. targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .Where(t => t.GetProperty("health").GetString() == "up")
                .Select(t => t.GetProperty("labels").GetProperty("job").GetString()!).Order(),
        ];
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public async Task Each_project_runs_from_its_built_dll_and_stays_a_healthy_Aspire_project_resource(string name)
    {
        var services = AppHost.App.Services;
        var project = Assert.IsType<ProjectResource>(services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name));
        var projectPath = project.GetProjectMetadata().ProjectPath;

        // The process DCP started is the program itself, `dotnet <project>/bin/.../Shop.<Project>.dll`: no
        // `dotnet run --project` (and its MSBuild evaluation) in between, no child process.
        var pid = await AppHost.ProcessIdAsync(name);
        var commandLine = CommandLine(pid);
        Assert.Equal(2, commandLine.Length);
        Assert.Equal("dotnet", Path.GetFileName(commandLine[0]));
        Assert.StartsWith(Path.Combine(Path.GetDirectoryName(projectPath)!, "bin") + "/", commandLine[1], StringComparison.Ordinal);
        Assert.Equal($"Shop.{Path.GetFileNameWithoutExtension(projectPath)}.dll", Path.GetFileName(commandLine[1]));
        Assert.Empty(ProcessTable.DescendantsOf(pid));
#if !DEBUG
        // A Release build also publishes each project resource ReadyToRun (AppHost.csproj), and the AppHost runs that
        // precompiled copy, which is newer than the build output it was published from.
        var readyToRun = Path.Combine(Path.GetDirectoryName(projectPath)!, "bin", "Release", "ready-to-run", Path.GetFileName(commandLine[1]));
        Assert.Equal(readyToRun, commandLine[1]);
        using (var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(readyToRun)))
        {
            Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{readyToRun} has no ReadyToRun code");
        }
#endif

        // Still an Aspire project resource, healthy. Its console log is not asserted here: in this test host
        // ResourceLoggerService (WatchAsync, GetAllAsync) returned no line for any resource, and there was no time to
        // check that against the `dotnet run` launch.
        Assert.True(services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(name, out var state));
        Assert.Equal(HealthStatus.Healthy, state.Snapshot.HealthStatus);
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public async Task Each_project_runs_with_a_thread_pool_that_does_not_spin_for_work(string name)
    {
        // Directory.Build.props (ThreadPoolSpinCount): the runtimeconfig.json beside the dll the process runs, which is
        // what its runtime read at start.
        var dll = CommandLine(await ServiceProcessAsync(name))[1];
        using var runtimeConfig = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(dll, ".runtimeconfig.json")));
        var properties = runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var spinLimit), $"{dll} runs with the default spinning");
        Assert.Equal(0, spinLimit.GetInt32());
    }

    [Fact]
    public async Task Aspire_dashboard_runs_with_a_thread_pool_that_does_not_spin_for_work()
    {
        // Not built here, so not by Directory.Build.props: through its environment (ShopAppHostExtensions), which the
        // runtime reads at start. The test host's own environment has no such variable for it to inherit.
        Assert.Null(Environment.GetEnvironmentVariable(ShopAppHostExtensions.ThreadPoolSpinLimitVariable));
        var environment = ProcessEnvironment(await AppHost.ProcessIdAsync("aspire-dashboard"));
        Assert.Equal("0", environment.GetValueOrDefault(ShopAppHostExtensions.ThreadPoolSpinLimitVariable));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public async Task Each_project_binds_the_ports_its_clients_call_itself_with_no_proxy_in_between(string name)
    {
        var project = AppHost.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);
        var environment = ProcessEnvironment(await ServiceProcessAsync(name));

        // What the process was told to listen on: Kestrel's endpoints, ASPNETCORE_URLS, or the Shop dashboard's listeners.
        var listens = environment
            .Where(v => v.Key == "ASPNETCORE_URLS" || (v.Key.StartsWith("Kestrel__Endpoints__", StringComparison.Ordinal) && v.Key.EndsWith("__Url", StringComparison.Ordinal))
                        || v.Key is "Dashboard__QueryUrl" or "Dashboard__OtlpGrpcUrl" or "Dashboard__OtlpHttpUrl")
            .SelectMany(v => v.Value.Split(';'))
            .Select(url => new Uri(url).Port)
            .ToHashSet();
        var endpoints = project.Annotations.OfType<EndpointAnnotation>().ToList();
        Assert.NotEmpty(endpoints);
        foreach (var endpoint in endpoints)
        {
            // Behind DCP's proxy, clients would call the proxy's port and the process would listen on another one.
            Assert.False(endpoint.IsProxied, $"{name}'s endpoint {endpoint.Name} is proxied");
            Assert.Contains(endpoint.AllocatedEndpoint!.Port, listens);
        }
    }

    [Theory]
    [InlineData("users", "usersdb:WaitUntilHealthy dashboard:WaitUntilHealthy")]
    [InlineData("payments", "paymentsdb:WaitUntilHealthy dashboard:WaitUntilHealthy")]
    [InlineData("orders", "ordersdb:WaitUntilHealthy payments:WaitUntilStarted dashboard:WaitUntilHealthy")]
    [InlineData("gateway", "users:WaitUntilStarted orders:WaitUntilStarted dashboard:WaitUntilHealthy")]
    public void Each_service_waits_for_its_database_healthy_and_for_its_peers_started(string name, string waits)
    {
        // Peers only started: the four services start side by side instead of one after the other.
        var resource = AppHost.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);
        var declared = resource.Annotations.OfType<WaitAnnotation>().Select(w => $"{w.Resource.Name}:{w.WaitType}");
        Assert.Equal(waits.Split(' ').Order(), declared.Order());
    }

    // The service's own process: DCP runs `dotnet <its built dll>` (AppHost/BuildOutputExtensions.cs).
    private Task<int> ServiceProcessAsync(string service) => AppHost.ProcessIdAsync(service);

    private static string[] CommandLine(int pid) =>
        File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);

    private static Dictionary<string, string> ProcessEnvironment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Split('=', 2)).Where(v => v.Length == 2)
            .GroupBy(v => v[0]).ToDictionary(g => g.Key, g => g.Last()[1]);

    private static List<string> Services(JsonElement jaeger) =>
        [.. jaeger.GetProperty("data")[0].GetProperty("processes").EnumerateObject().Select(p => p.Value.GetProperty("serviceName").GetString()!).Distinct().Order()];
}
