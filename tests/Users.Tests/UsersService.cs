using Grpc.Core;
using Shop.Testing;
using Shop.Users.Storage;
using V1 = Shop.Contracts.Users.V1;

namespace Shop.Users.Tests;

/// <summary>The users service as a process on its own database, exporting telemetry to an in-test receiver.</summary>
public sealed class UsersService() : GrpcServiceFixture<UsersClient>("users", invoker => new UsersClient(invoker))
{
    /// <summary>A context on <paramref name="connectionString"/>, configured as the service configures its own.</summary>
    public static UsersDbContext OpenDatabase(string connectionString) =>
        DatabaseSchema.Open<UsersDbContext>(connectionString, options => new(options));
}

/// <summary>The generated client of shop.users.v1.UsersService with a 30 s deadline per call.</summary>
public sealed class UsersClient(CallInvoker invoker)
{
    private readonly V1.UsersService.UsersServiceClient _client = new(invoker);

    public Task<V1.User> CreateAsync(string name, string email) =>
        _client.CreateUserAsync(new V1.CreateUserRequest { Name = name, Email = email }, Deadline()).ResponseAsync;

    public Task<V1.User> GetAsync(string id) => _client.GetUserAsync(new V1.GetUserRequest { Id = id }, Deadline()).ResponseAsync;

    public Task<V1.ListUsersResponse> ListAsync(int pageSize, string pageToken = "") =>
        _client.ListUsersAsync(new V1.ListUsersRequest { PageSize = pageSize, PageToken = pageToken }, Deadline()).ResponseAsync;

    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow.AddSeconds(30));
}
