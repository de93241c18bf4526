using Shop.Hosting;

namespace Shop.Testing;

/// <summary>
/// The four services of Shop as real processes, each with its own database on the test cluster,
/// wired only through environment variables (the same names the AppHost sets) and exporting their
/// telemetry to an in-test OTLP receiver.
/// </summary>
public sealed class ShopSuite : IAsyncDisposable
{
    public const string Gateway = "gateway";
    public const string Users = "users";
    public const string Orders = "orders";
    public const string Payments = "payments";

    /// <summary>The admin token the suite's payments service accepts on /admin/faults.</summary>
    public const string PaymentsAdminToken = "test-admin-token";

    // The services' own deadlines (2 s per users call and per payment attempt) suit production. Test machines
    // may be starved for CPU (2 cores running a dozen processes), and a deadline missed there is not the
    // behaviour under test, so the suite's deadlines are longer. Outages still fail fast: refused connections.
    private const string StarvedMachineDeadline = "00:00:15";

    private readonly Dictionary<string, ServiceProcess> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Dll, Dictionary<string, string?> Environment, string BaseUrl)> _definitions = new(StringComparer.Ordinal);
    private readonly List<PostgresDatabase> _databases = [];

    private ShopSuite(OtlpReceiver telemetry) => Telemetry = telemetry;

    /// <summary>Where every service sends its traces, metrics and logs.</summary>
    public OtlpReceiver Telemetry { get; }

    /// <summary>The public API.</summary>
    public HttpClient Http => this[Gateway].Http;

    /// <summary>A running service by name.</summary>
    public ServiceProcess this[string service] => _running[service];

    /// <summary>The HTTP/2 (gRPC) address of users or payments.</summary>
    public IReadOnlyDictionary<string, string> GrpcAddresses { get; private set; } = new Dictionary<string, string>();

    /// <summary>Connection strings of the services' databases, by service name.</summary>
    public IReadOnlyDictionary<string, string> ConnectionStrings { get; private set; } = new Dictionary<string, string>();

    /// <summary>Starts users, payments, orders and gateway, in dependency order; <paramref name="extra"/> adds variables per service.</summary>
    public static async Task<ShopSuite> StartAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>>? extra = null)
    {
        var suite = new ShopSuite(await OtlpReceiver.StartAsync());
        try
        {
            await suite.StartAllAsync(extra ?? new Dictionary<string, IReadOnlyDictionary<string, string?>>());
        }
        catch
        {
            await suite.DisposeAsync();
            throw;
        }

        return suite;
    }

    /// <summary>Stops one service (SIGTERM) as an outage would; <see cref="StartAsync(string)"/> brings it back on the same ports.</summary>
    public async Task StopAsync(string service)
    {
        if (_running.Remove(service, out var process))
        {
            await process.StopAsync();
            await process.DisposeAsync();
        }
    }

    /// <summary>Starts a stopped service again with the same environment and ports.</summary>
    public async Task StartAsync(string service)
    {
        var (dll, environment, baseUrl) = _definitions[service];
        _running[service] = await ServiceProcess.StartAsync(dll, environment, TimeSpan.FromSeconds(60), baseUrl: baseUrl);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in new[] { Gateway, Orders, Payments, Users })
        {
            if (_running.Remove(service, out var process))
            {
                await process.DisposeAsync();
            }
        }

        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        await Telemetry.DisposeAsync();
    }

    private async Task StartAllAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> extra)
    {
        var connectionStrings = new Dictionary<string, string>();
        foreach (var name in new[] { Users, Orders, Payments })
        {
            var database = await PostgresDatabase.CreateAsync(name);
            _databases.Add(database);
            connectionStrings[name] = database.ConnectionString;
        }

        ConnectionStrings = connectionStrings;
        var grpc = new Dictionary<string, string>
        {
            [Users] = $"http://127.0.0.1:{FreePort.Next()}",
            [Payments] = $"http://127.0.0.1:{FreePort.Next()}",
        };
        GrpcAddresses = grpc;

        Define(Users, "src/Users", extra, new()
        {
            ["ConnectionStrings__users"] = connectionStrings[Users],
            ["Kestrel__Endpoints__grpc__Url"] = grpc[Users],
            ["Kestrel__Endpoints__grpc__Protocols"] = "Http2",
        });
        Define(Payments, "src/Payments", extra, new()
        {
            ["ConnectionStrings__payments"] = connectionStrings[Payments],
            ["Kestrel__Endpoints__grpc__Url"] = grpc[Payments],
            ["Kestrel__Endpoints__grpc__Protocols"] = "Http2",
            ["Payments__AdminToken"] = PaymentsAdminToken,
        });
        await Task.WhenAll(StartAsync(Users), StartAsync(Payments));

        Define(Orders, "src/Orders", extra, new()
        {
            ["ConnectionStrings__orders"] = connectionStrings[Orders],
            ["Services__payments__grpc__0"] = grpc[Payments],
            ["Orders__Payments__AttemptTimeout"] = StarvedMachineDeadline,
        });
        await StartAsync(Orders);

        Define(Gateway, "src/Gateway", extra, new()
        {
            ["Services__users__grpc__0"] = grpc[Users],
            ["Services__orders__http__0"] = this[Orders].BaseUrl,
            ["Gateway__UsersTimeout"] = StarvedMachineDeadline,
        });
        await StartAsync(Gateway);
    }

    private void Define(string service, string projectDir, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> extra, Dictionary<string, string?> environment)
    {
        environment["OTEL_SERVICE_NAME"] = service;
        environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={service}-{Guid.NewGuid():N}";
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = Telemetry.HttpEndpoint;
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        environment["OTEL_BLRP_SCHEDULE_DELAY"] = "200";
        environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
        if (extra.TryGetValue(service, out var more))
        {
            foreach (var (key, value) in more)
            {
                environment[key] = value;
            }
        }

        var assembly = "Shop." + char.ToUpperInvariant(service[0]) + service[1..];
        _definitions[service] = (BuiltApp.Dll(projectDir, assembly), environment, $"http://127.0.0.1:{FreePort.Next()}");
    }
}
