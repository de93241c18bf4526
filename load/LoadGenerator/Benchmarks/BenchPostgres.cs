using Npgsql;
using Shop.Hosting;

namespace Shop.LoadGenerator.Benchmarks;

/// <summary>
/// The PostgreSQL a benchmark runs against: the embedded server with a data directory of its own in a temporary folder,
/// durable (fsync and synchronous commit on) as the AppHost's own cluster is, removed afterwards.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private EmbeddedPostgres _server;
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

    /// <summary>
    /// Stops the server (fast shutdown: open transactions roll back, clients are disconnected), waits
    /// <paramref name="down"/>, and starts it again on the same data directory, port and password, so the suite's
    /// connection strings stay valid. Returns when it accepts connections again.
    /// </summary>
    public async Task RestartAsync(TimeSpan down, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(ConnectionString);
        var dataDirectory = _server.DataDirectory;
        await _server.DisposeAsync();
        await Task.Delay(down, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _server = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { DataDirectory = dataDirectory, Port = settings.Port, Password = settings.Password }, cancellationToken);
                return;
            }
            catch (HostingException) when (attempt < 20)
            {
                await Task.Delay(500, cancellationToken); // the port may still be held for a moment
            }
        }
    }

    /// <summary>
    /// Transactions, committed and rolled back, over all databases (pg_stat_database; each backend adds its own when it
    /// goes idle, at most once a second, and within 10 s once idle). A statement outside an explicit transaction is one.
    /// </summary>
    public async Task<long> TransactionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_stat_clear_snapshot(); SELECT sum(xact_commit + xact_rollback)::bigint FROM pg_stat_database", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.GetInt64(0);
    }

    /// <summary>The CPU time each of the server's processes (postmaster and backends) used so far.</summary>
    public CpuSnapshot CpuTimes() => ProcessCpu.Snapshot([ProcessId, .. ProcessTree.DescendantsOf(ProcessId)], _ => "postgres");

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

/// <summary>The CPU time each process had used when read, with the component it belongs to.</summary>
internal sealed class CpuSnapshot : Dictionary<int, (string Component, TimeSpan Cpu)>
{
    public CpuSnapshot With(CpuSnapshot other)
    {
        var merged = new CpuSnapshot();
        foreach (var (pid, entry) in this.Concat(other))
        {
            merged[pid] = entry;
        }

        return merged;
    }
}

/// <summary>CPU time per process from /proc, and what each component used between two readings.</summary>
internal static class ProcessCpu
{
    public static CpuSnapshot Snapshot(IEnumerable<int> pids, Func<int, string> component)
    {
        var snapshot = new CpuSnapshot();
        foreach (var pid in pids)
        {
            if (ProcessTree.CpuTime(pid) is { } cpu)
            {
                snapshot[pid] = (component(pid), cpu);
            }
        }

        return snapshot;
    }

    /// <summary>
    /// CPU per component between the readings, process by process: one that started in between counts in full,
    /// one that exited in between is left out (its last share cannot be read), so no figure can go negative the way
    /// a difference of per-component totals does when a PostgreSQL backend exits.
    /// </summary>
    public static Dictionary<string, TimeSpan> Used(CpuSnapshot start, CpuSnapshot end)
    {
        var used = new Dictionary<string, TimeSpan>();
        foreach (var (pid, (component, cpu)) in end)
        {
            var before = start.TryGetValue(pid, out var s) && s.Component == component && s.Cpu <= cpu ? s.Cpu : TimeSpan.Zero;
            used[component] = used.GetValueOrDefault(component) + cpu - before;
        }

        return used;
    }
}
