using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Shop.Data;
using Shop.Users.Storage;

namespace Shop.Users.Tests;

/// <summary>The data source every service gets from AddShopDatabase, on a real PostgreSQL.</summary>
public sealed class DataSourceTests(UsersService users) : IClassFixture<UsersService>
{
    [Fact]
    public async Task A_statement_run_again_on_a_connection_is_prepared_there_and_a_connection_string_can_turn_it_off()
    {
        Assert.Equal(1L, await PreparedAfterThreeRunsAsync(users.Database.ConnectionString));
        Assert.Equal(0L, await PreparedAfterThreeRunsAsync(users.Database.ConnectionString + ";Max Auto Prepare=1;Auto Prepare Min Usages=5"));
    }

    // Runs one parameterized SELECT three times on one connection of the service's data source, then asks PostgreSQL how
    // many statements that session has prepared.
    private static async Task<long> PreparedAfterThreeRunsAsync(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:users"] = connectionString;
        builder.AddShopDatabase<UsersDbContext>("users");
        using var host = builder.Build();
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync();
        for (var i = 0; i < 3; i++)
        {
            await using var select = new NpgsqlCommand("SELECT count(*) FROM users WHERE id = $1", connection) { Parameters = { new() { Value = Guid.NewGuid() } } };
            Assert.Equal(0L, await select.ExecuteScalarAsync());
        }

        await using var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements", connection);
        return (long)(await prepared.ExecuteScalarAsync())!;
    }
}
