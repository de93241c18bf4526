using Shop.Grpc;
using Shop.Testing;
using Shop.Users.Storage;
using V1 = Shop.Contracts.Users.V1;

namespace Shop.Users.Tests;

/// <summary>The users service as a process on its own database, exporting telemetry to an in-test receiver.</summary>
public sealed class UsersService() : GrpcServiceFixture<UsersClient>("users")
{
    /// <summary>A context on <paramref name="connectionString"/>, configured as the service configures its own.</summary>
    public static UsersDbContext OpenDatabase(string connectionString) =>
        DatabaseSchema.Open<UsersDbContext>(connectionString, options => new(options));
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
