using Npgsql;
using Shop.Testing;

namespace Shop.Hosting.Tests;

public sealed class TestPostgresTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Class_fixture_gives_the_class_its_own_database()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);

        Assert.Equal(database.Name, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Creating_a_database_twice_is_harmless_and_dropping_removes_it()
    {
        var server = await TestPostgres.Server;
        var name = $"twice_{Guid.NewGuid():N}";

        var connectionString = await server.CreateDatabaseAsync(name);
        Assert.Equal(connectionString, await server.CreateDatabaseAsync(name));
        await server.DropDatabaseAsync(name);

        await using var connection = new NpgsqlConnection(connectionString);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal(PostgresErrorCodes.InvalidCatalogName, error.SqlState);
    }

    [Fact]
    public void Redacted_connection_string_has_no_password()
    {
        var redacted = PostgresServer.Redact("Host=127.0.0.1;Port=5432;Username=postgres;Password=secret;Database=orders");

        Assert.DoesNotContain("secret", redacted, StringComparison.Ordinal);
        Assert.Contains("Database=orders", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fixture_leaves_no_postgres_process_or_directory_when_the_test_process_ends()
    {
        var (probe, report) = await Probe.StartAsync("fixture", new Dictionary<string, string?> { [TestPostgres.EnvironmentVariable] = null });
        await using var _ = probe;

        Assert.Equal(0, await probe.Exited.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("postgres", report[0]);
        Assert.False(ProcessTable.IsRunning(int.Parse(report[1])), "the probe's postgres outlived it");
        Assert.False(Directory.Exists(Path.GetDirectoryName(report[2])), "the probe's cluster directory is left behind");
    }

    [Fact]
    public async Task Fixture_uses_the_server_named_by_SHOP_TEST_POSTGRES_instead_of_starting_one()
    {
        var server = await TestPostgres.Server;
        var (probe, report) = await Probe.StartAsync(
            "fixture", new Dictionary<string, string?> { [TestPostgres.EnvironmentVariable] = server.ConnectionString });
        await using var _ = probe;

        Assert.Equal(0, await probe.Exited.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal($"external {PostgresServer.Redact(server.ConnectionString)}", string.Join(' ', report));
    }

    [Fact]
    public async Task Fixture_uses_the_local_binaries_when_no_Docker_engine_answers_and_says_why()
    {
        // An engine address where nothing listens: the same as this machine without a daemon, on any machine.
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var (probe, report) = await Probe.StartAsync("fixture", new Dictionary<string, string?>
        {
            [TestPostgres.EnvironmentVariable] = null,
            ["DOCKER_HOST"] = $"tcp://127.0.0.1:{port}",
        });
        await using var _ = probe;

        Assert.Equal(0, await probe.Exited.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("postgres", report[0]);
        Assert.Contains(probe.RecentOutput, line =>
            line.StartsWith($"{TestPostgres.ChoicePrefix} a throwaway cluster from the local binaries", StringComparison.Ordinal)
            && line.Contains("no Docker engine answered", StringComparison.Ordinal));
    }
}
