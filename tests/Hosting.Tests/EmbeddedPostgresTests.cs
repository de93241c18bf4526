using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Shop.Testing;

namespace Shop.Hosting.Tests;

public sealed class EmbeddedPostgresTests
{
    private static readonly TimeSpan Gone = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Throwaway_cluster_serves_databases_and_leaves_no_process_or_directory_after_dispose()
    {
        ConcurrentQueue<OutputLine> output = new();
        var postgres = await EmbeddedPostgres.StartAsync(new() { Output = output.Enqueue });
        var runDirectory = Path.GetDirectoryName(postgres.DataDirectory)!;
        var processes = ProcessTable.DescendantsOf(postgres.ProcessId).Append(postgres.ProcessId).ToList();
        try
        {
            var connectionString = await postgres.CreateDatabaseAsync("lifecycle");
            Assert.Equal(connectionString, await postgres.CreateDatabaseAsync("lifecycle"));
            Assert.Equal(["lifecycle", "off"], await QueryAsync(connectionString, "SELECT current_database(), current_setting('fsync')"));
        }
        finally
        {
            await postgres.DisposeAsync();
        }

        Assert.Empty(await ProcessTable.WaitUntilGoneAsync(processes, Gone));
        Assert.False(Directory.Exists(runDirectory), $"{runDirectory} is left behind");
        Assert.Contains(output, line => line.Text.Contains("received fast shutdown request", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_unique_violation_is_logged_without_the_row_values_of_its_detail()
    {
        ConcurrentQueue<OutputLine> output = new();
        await using var postgres = await EmbeddedPostgres.StartAsync(new() { Output = output.Enqueue });
        var connectionString = await postgres.CreateDatabaseAsync("privacy");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE users (email text UNIQUE)", connection);
            await create.ExecuteNonQueryAsync();
            for (var attempt = 0; attempt < 2; attempt++)
            {
                await using var insert = new NpgsqlCommand("INSERT INTO users (email) VALUES ($1)", connection) { Parameters = { new() { Value = "ada.lovelace@example.com" } } };
                if (attempt == 1)
                {
                    Assert.Equal("23505", (await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync())).SqlState);
                }
                else
                {
                    await insert.ExecuteNonQueryAsync();
                }
            }
        }

        // The server logs the error (and the statement, with placeholders) as it comes, but not the duplicate key.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!output.Any(line => line.Text.Contains("duplicate key value violates unique constraint", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the unique violation was never logged:\n" + string.Join('\n', output.Select(l => l.Text)));
            await Task.Delay(100);
        }

        Assert.DoesNotContain(output, line => line.Text.Contains("ada.lovelace", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Persistent_cluster_keeps_its_data_and_safe_settings_across_restarts()
    {
        using var root = new TempDirectory();
        var options = new EmbeddedPostgresOptions { DataDirectory = root.Combine("data") };

        await using (var first = await EmbeddedPostgres.StartAsync(options))
        {
            var connectionString = await first.CreateDatabaseAsync("kept");
            await QueryAsync(connectionString, "CREATE TABLE notes (text text); INSERT INTO notes VALUES ('still here')");
        }

        await using var second = await EmbeddedPostgres.StartAsync(options);
        var again = await second.CreateDatabaseAsync("kept");
        Assert.Equal(["still here", "on"], await QueryAsync(again, "SELECT text, current_setting('fsync') FROM notes"));
    }

    [Fact]
    public async Task Persistent_cluster_starts_over_the_postmaster_pid_of_a_killed_run_even_when_that_pid_was_reused()
    {
        using var root = new TempDirectory();
        var options = new EmbeddedPostgresOptions { DataDirectory = root.Combine("data") };
        await using (var killed = await EmbeddedPostgres.StartAsync(options))
        {
            var processes = ProcessTable.DescendantsOf(killed.ProcessId).Append(killed.ProcessId).ToList();
            Process.GetProcessById(killed.ProcessId).Kill();
            Assert.Empty(await ProcessTable.WaitUntilGoneAsync(processes, Gone));
        }

        // The postmaster's pid now belongs to another live process of the server's user, as after pid reuse.
        // Postgres alone would refuse to start ("lock file already exists").
        await using var reuser = ChildProcess.Start(Environment.IsPrivilegedProcess
            ? new("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "sleep", "60"])
            : new("sleep", ["60"]));
        var pidFile = root.Combine("data/postmaster.pid");
        await File.WriteAllLinesAsync(pidFile, [$"{reuser.Id}", .. (await File.ReadAllLinesAsync(pidFile)).Skip(1)]);

        await using var restarted = await EmbeddedPostgres.StartAsync(options);
        Assert.Equal(["1"], await QueryAsync(restarted.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Postgres_dies_with_a_SIGKILLed_parent_and_the_next_start_removes_its_directory()
    {
        var (probe, report) = await Probe.StartAsync("postgres");
        await using var _ = probe;
        var postmaster = int.Parse(report[1]);
        var runDirectory = Path.GetDirectoryName(report[2])!;
        var processes = ProcessTable.DescendantsOf(postmaster).Append(postmaster).ToList();

        Process.GetProcessById(probe.Id).Kill();

        Assert.Empty(await ProcessTable.WaitUntilGoneAsync(processes, Gone));
        Assert.True(Directory.Exists(runDirectory)); // nobody was left to remove it...
        RunDirectory.RemoveLeftovers(minimumAge: TimeSpan.Zero);
        Assert.False(Directory.Exists(runDirectory)); // ...until the next start's sweep
    }

    [Fact]
    public async Task A_taken_port_fails_with_a_message_naming_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<HostingException>(() => EmbeddedPostgres.StartAsync(new() { Port = port }));

        Assert.Contains($"Port {port} on 127.0.0.1 is already in use", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_binaries_fail_with_how_to_install_them()
    {
        using var empty = new TempDirectory();

        var error = await Assert.ThrowsAsync<HostingException>(() => EmbeddedPostgres.StartAsync(new() { BinDirectory = empty.FullPath }));

        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        Assert.Contains(TestPostgres.EnvironmentVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_initdb_reports_its_last_output_lines()
    {
        using var root = new TempDirectory();
        Directory.CreateDirectory(root.Combine("data"));
        await File.WriteAllTextAsync(root.Combine("data/not-a-cluster.txt"), "");

        var error = await Assert.ThrowsAsync<HostingException>(() => EmbeddedPostgres.StartAsync(new() { DataDirectory = root.Combine("data") }));

        Assert.Contains("initdb", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not empty", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string[]> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return [];
        }

        return Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i))!).ToArray();
    }
}
