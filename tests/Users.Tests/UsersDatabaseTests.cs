using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Grpc.Core;
using Npgsql;
using Shop.Hosting;
using Shop.Testing;
using Shop.Users.Storage;

namespace Shop.Users.Tests;

public sealed class UsersDatabaseTests
{
    [Fact]
    public Task Hand_written_migrations_build_the_schema_of_the_model() =>
        DatabaseSchema.AssertMigrationsMatchModelAsync<UsersDbContext>(options => new(options));

    [Fact]
    public async Task Health_reports_the_database_and_startup_names_a_missing_connection_string()
    {
        await using var database = await PostgresDatabase.CreateAsync("users_health");
        await using (var users = await SuiteService.StartAsync("users", database, grpcPort: FreePort.Next()))
        {
            Assert.Equal(HttpStatusCode.OK, (await users.Http.GetAsync("/health")).StatusCode);

            await (await TestPostgres.Server).DropDatabaseAsync(database.Name);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await users.Http.GetAsync("/health")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await users.Http.GetAsync("/alive")).StatusCode);
        }

        var failure = await Assert.ThrowsAsync<HostingException>(() =>
            ServiceProcess.StartAsync(BuiltApp.Dll("src/Users", "Shop.Users"), new Dictionary<string, string?>()));
        Assert.Contains("ConnectionStrings__users", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_start_creates_its_database_and_logs_no_error()
    {
        var server = await TestPostgres.Server;
        var name = $"users_first_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
        try
        {
            await using var users = await ServiceProcess.StartAsync(BuiltApp.Dll("src/Users", "Shop.Users"),
                new Dictionary<string, string?> { ["ConnectionStrings__users"] = connectionString });
            Assert.Equal(HttpStatusCode.OK, (await users.Http.GetAsync("/health")).StatusCode);

            // The migrations ran before the server listened; their log line may still be on its way to the console.
            await users.WaitForOutputAsync("Database of UsersDbContext is up to date; applied 1 migration(s)");
            Assert.DoesNotContain(users.Output, line => line.Contains(" fail ", StringComparison.Ordinal) || line.Contains(" crit ", StringComparison.Ordinal));
        }
        finally
        {
            await server.DropDatabaseAsync(name);
        }
    }

    [Fact]
    public async Task An_unreachable_database_answers_UNAVAILABLE_so_callers_retry_and_tells_nothing_about_it()
    {
        // A cluster of this test's own, so that stopping it disturbs no other test.
        var cluster = await EmbeddedPostgres.StartAsync();
        try
        {
            var connectionString = await cluster.CreateDatabaseAsync("users_outage");
            await using var users = await ServiceProcess.StartAsync(BuiltApp.Dll("src/Users", "Shop.Users"),
                new Dictionary<string, string?> { ["ConnectionStrings__users"] = connectionString }, grpcPort: FreePort.Next());
            using var channel = new TestGrpcClient<UsersClient>(users.GrpcAddress!, invoker => new UsersClient(invoker));
            var client = channel.Client;
            var user = await client.CreateAsync("Ada", $"ada-{Guid.NewGuid():N}@example.com");

            await cluster.DisposeAsync();
            var error = await Assert.ThrowsAsync<RpcException>(() => client.GetAsync(user.Id));

            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            Assert.DoesNotContain(cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Status.Detail, StringComparison.Ordinal);
            // EF Core's own connection errors are Debug records (DatabaseExtensions): the outage is logged once, as the failed call.
            await users.WaitForOutputAsync("failed; answering Unavailable");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
