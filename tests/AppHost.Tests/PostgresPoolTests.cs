using Npgsql;
using Shop.AppHost.Model;

namespace Shop.AppHost.Tests;

public sealed class PostgresPoolTests
{
    [Fact]
    public void A_services_connection_string_caps_its_pool_so_three_services_fit_the_default_max_connections()
    {
        var limited = new NpgsqlConnectionStringBuilder(PostgresResource.WithPoolLimit("Host=127.0.0.1;Port=5432;Database=orders;Username=shop"));

        Assert.Equal(PostgresResource.ServicePoolSize, limited.MaxPoolSize);
        Assert.Equal("orders", limited.Database);
        Assert.True(2 * 3 * PostgresResource.ServicePoolSize < 100, "two suites of three services within PostgreSQL's default max_connections");
    }

    [Theory]
    [InlineData("Host=db;Database=orders;Maximum Pool Size=50")]
    [InlineData("Host=db;Database=orders;MaxPoolSize=50")]
    public void A_pool_size_the_user_set_is_kept(string connectionString)
    {
        Assert.Equal(50, new NpgsqlConnectionStringBuilder(PostgresResource.WithPoolLimit(connectionString)).MaxPoolSize);
    }
}
