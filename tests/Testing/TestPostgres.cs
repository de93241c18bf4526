using DotNet.Testcontainers.Builders;
using Shop.Hosting;
using Testcontainers.PostgreSql;

namespace Shop.Testing;

/// <summary>
/// The PostgreSQL server of this test process, shared by all its tests: the server named by SHOP_TEST_POSTGRES; else
/// PostgreSQL 15 in a container through Testcontainers when a Docker engine answers; else a throwaway cluster from the
/// local binaries. Started on first use, stopped when the process exits; the choice is written to standard error.
/// </summary>
/// <remarks>
/// xunit has no hook after a process' last test, so the server stops on <see cref="AppDomain.ProcessExit"/>.
/// When the test host crashes or is killed instead (vstest kills it 100 ms after the run unless
/// VSTEST_TESTHOST_SHUTDOWN_TIMEOUT allows more, as test.sh does), <see cref="ChildProcess"/> takes a local cluster
/// down with it and the next cluster start removes the data directory left behind; Testcontainers' resource reaper
/// removes a container.
/// </remarks>
public static class TestPostgres
{
    /// <summary>The environment variable that holds the connection string of an existing server to use instead.</summary>
    public const string EnvironmentVariable = "SHOP_TEST_POSTGRES";

    /// <summary>The image a container runs: the major version the local binaries and CI have.</summary>
    public const string ContainerImage = "postgres:15";

    /// <summary>The start of the line that says where the server comes from.</summary>
    public const string ChoicePrefix = "Test PostgreSQL:";

    private static readonly Lazy<Task<IPostgresServer>> Shared = new(StartAsync);

    /// <summary>The shared server; the first call starts it, and a failure to start is every caller's failure.</summary>
    public static Task<IPostgresServer> Server => Shared.Value;

    private static async Task<IPostgresServer> StartAsync()
    {
        var (server, choice) = await ChooseAsync();
        Console.Error.WriteLine($"{ChoicePrefix} {choice}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private static async Task<(IPostgresServer Server, string Choice)> ChooseAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } connectionString)
        {
            return (new PostgresServer(connectionString), $"the server named by {EnvironmentVariable} ({PostgresServer.Redact(connectionString)})");
        }

        PostgreSqlContainer container;
        try
        {
            // Testcontainers finds the engine (DOCKER_HOST, the socket, ~/.testcontainers.properties) and pings it.
            container = new PostgreSqlBuilder(ContainerImage).Build();
        }
        catch (DockerUnavailableException e)
        {
            var embedded = await EmbeddedPostgres.StartAsync();
            return (embedded, $"a throwaway cluster from the local binaries, pid {embedded.ProcessId}, because no Docker engine answered ({FirstLine(e.Message)})");
        }

        await container.StartAsync();
        return (new ContainerPostgres(container), $"a Testcontainers container of {ContainerImage}, {container.Id[..12]}");
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>A Testcontainers PostgreSQL: databases through its superuser connection, the container removed on dispose.</summary>
    private sealed class ContainerPostgres(PostgreSqlContainer container) : IPostgresServer
    {
        private readonly PostgresServer _server = new(container.GetConnectionString());

        public string ConnectionString => _server.ConnectionString;

        public Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
            _server.CreateDatabaseAsync(name, cancellationToken);

        public Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
            _server.DropDatabaseAsync(name, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await _server.DisposeAsync();
            await container.DisposeAsync();
        }
    }
}
