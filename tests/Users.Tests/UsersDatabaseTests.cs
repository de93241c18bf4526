using System.Net;
using Microsoft.EntityFrameworkCore;
using Shop.Hosting;
using Shop.Testing;

namespace Shop.Users.Tests;

public sealed class UsersDatabaseTests
{
    [Fact]
    public Task Hand_written_migrations_build_the_schema_of_the_model() =>
        DatabaseSchema.AssertMigrationsMatchModelAsync("users",
            async connectionString =>
            {
                await using var db = UsersService.OpenDatabase(connectionString);
                await db.Database.MigrateAsync();
            },
            async connectionString =>
            {
                await using var db = UsersService.OpenDatabase(connectionString);
                await db.Database.EnsureCreatedAsync();
            });

    [Fact]
    public async Task Health_reports_the_database_and_startup_names_a_missing_connection_string()
    {
        await using var database = await PostgresDatabase.CreateAsync("users_health");
        await using (var users = await ServiceProcess.StartAsync(BuiltApp.Dll("src/Users", "Shop.Users"),
            new Dictionary<string, string?> { ["ConnectionStrings__users"] = database.ConnectionString }, grpcPort: FreePort.Next()))
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
