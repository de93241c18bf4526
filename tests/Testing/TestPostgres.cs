using Shop.Hosting;

namespace Shop.Testing;

/// <summary>
/// The PostgreSQL server of this test process, shared by all its tests: the server named by SHOP_TEST_POSTGRES, or else
/// a throwaway cluster from the local binaries, started on first use and stopped when the process exits.
/// </summary>
/// <remarks>
/// xunit has no hook after a process' last test, so the cluster stops on <see cref="AppDomain.ProcessExit"/>.
/// When the test host crashes or is killed instead (vstest kills it 100 ms after the run unless
/// VSTEST_TESTHOST_SHUTDOWN_TIMEOUT allows more, as test.sh does), <see cref="ChildProcess"/> takes the server
/// down with it and the next cluster start removes the data directory left behind.
/// </remarks>
public static class TestPostgres
{
    /// <summary>The environment variable that holds the connection string of an existing server to use instead.</summary>
    public const string EnvironmentVariable = "SHOP_TEST_POSTGRES";

    private static readonly Lazy<Task<IPostgresServer>> Shared = new(StartAsync);

    /// <summary>The shared server; the first call starts it, and a failure to start is every caller's failure.</summary>
    public static Task<IPostgresServer> Server => Shared.Value;

    private static async Task<IPostgresServer> StartAsync()
    {
        IPostgresServer server = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } connectionString
            ? new PostgresServer(connectionString)
            : await EmbeddedPostgres.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}
