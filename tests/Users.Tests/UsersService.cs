using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shop.Data;
using Shop.Grpc;
using Shop.Hosting;
using Shop.Testing;
using Shop.Users.Storage;
using V1 = Shop.Contracts.Users.V1;

namespace Shop.Users.Tests;

/// <summary>The users service as a process on its own database, exporting telemetry to an in-test receiver.</summary>
public sealed class UsersService : IAsyncLifetime
{
    private ServiceProvider? _clients;

    public PostgresDatabase Database { get; } = new();

    public OtlpReceiver Telemetry { get; private set; } = null!;

    public ServiceProcess Process { get; private set; } = null!;

    public UsersClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        Telemetry = await OtlpReceiver.StartAsync();
        Process = await ServiceProcess.StartAsync(BuiltApp.Dll("src/Users", "Shop.Users"), new Dictionary<string, string?>
        {
            ["ConnectionStrings__users"] = Database.ConnectionString,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Telemetry.HttpEndpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
        }, grpcPort: FreePort.Next());
        _clients = new ServiceCollection().AddGrpcClient<UsersClient>("users", o => o.Address = Process.GrpcAddress).BuildServiceProvider();
        Client = _clients.GetRequiredService<UsersClient>();
    }

    public async Task DisposeAsync()
    {
        // Whatever started is stopped, even when a later step of InitializeAsync failed.
        if (_clients is not null)
        {
            await _clients.DisposeAsync();
        }

        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        if (Telemetry is not null)
        {
            await Telemetry.DisposeAsync();
        }

        await Database.DisposeAsync();
    }

    /// <summary>A context on <paramref name="connectionString"/>, configured as the service configures its own.</summary>
    public static UsersDbContext OpenDatabase(string connectionString) =>
        new(new DbContextOptionsBuilder<UsersDbContext>().UseShopDatabase(NpgsqlDataSource.Create(connectionString)).Options);
}

/// <summary>A typed client of shop.users.v1.UsersService, as a caller writes one on src/Grpc.</summary>
public sealed class UsersClient(CallInvoker invoker)
{
    private static readonly Method<V1.CreateUserRequest, V1.User> Create = new(V1.UsersReflection.Descriptor.Services[0], "CreateUser");
    private static readonly Method<V1.GetUserRequest, V1.User> Get = new(V1.UsersReflection.Descriptor.Services[0], "GetUser");
    private static readonly Method<V1.ListUsersRequest, V1.ListUsersResponse> List = new(V1.UsersReflection.Descriptor.Services[0], "ListUsers");

    public Task<V1.User> CreateAsync(string name, string email) =>
        invoker.UnaryAsync(Create, new V1.CreateUserRequest { Name = name, Email = email }, Deadline());

    public Task<V1.User> GetAsync(string id) => invoker.UnaryAsync(Get, new V1.GetUserRequest { Id = id }, Deadline());

    public Task<V1.ListUsersResponse> ListAsync(int pageSize, string pageToken = "") =>
        invoker.UnaryAsync(List, new V1.ListUsersRequest { PageSize = pageSize, PageToken = pageToken }, Deadline());

    private static CallOptions Deadline() => new(Deadline: DateTime.UtcNow.AddSeconds(30));
}
