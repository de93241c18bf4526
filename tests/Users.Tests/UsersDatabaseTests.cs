using System.Net;
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
}
