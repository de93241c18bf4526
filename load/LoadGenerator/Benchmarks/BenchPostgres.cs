using Npgsql;
using Shop.Hosting;

namespace Shop.LoadGenerator.Benchmarks;

/// <summary>
/// The PostgreSQL a benchmark runs against: the embedded server with a data directory of its own in a temporary folder,
/// durable (fsync and synchronous commit on) as the AppHost's own cluster is, removed afterwards.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private readonly EmbeddedPostgres _server;
    private readonly DirectoryInfo _folder;

    private BenchPostgres(EmbeddedPostgres server, DirectoryInfo folder)
    {
        _server = server;
        _folder = folder;
    }

    public string ConnectionString => _server.ConnectionString;

    public int ProcessId => _server.ProcessId;

    public static async Task<BenchPostgres> StartAsync(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("shop-bench-");
        // Created 0700; the server may run as the postgres user (when we are root), which must reach its data directory.
        if (!OperatingSystem.IsWindows())
        {
            folder.UnixFileMode |= UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        }
        try
        {
            var server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(folder.FullName, "data") }, cancellationToken);
            return new BenchPostgres(server, folder);
        }
        catch
        {
            folder.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Committed transactions over all databases (pg_stat_database, which the server updates about once a second).</summary>
    public async Task<long> CommittedTransactionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_stat_clear_snapshot(); SELECT sum(xact_commit)::bigint FROM pg_stat_database", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.GetInt64(0);
    }

    /// <summary>The CPU time the server's processes (postmaster and backends) used so far.</summary>
    public TimeSpan CpuTime() => ProcessCpu.Of([ProcessId, .. ProcessTree.DescendantsOf(ProcessId)]);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left in the temporary folder.
        }
    }
}

/// <summary>CPU time summed over processes, read from /proc.</summary>
internal static class ProcessCpu
{
    public static TimeSpan Of(IEnumerable<int> pids) => pids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + (ProcessTree.CpuTime(pid) ?? TimeSpan.Zero));
}
