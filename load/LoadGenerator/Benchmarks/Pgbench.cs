using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Shop.LoadGenerator.Benchmarks;

/// <summary>
/// The physical reference: pgbench against the same PostgreSQL, each transaction one INSERT of an order-sized row
/// (autocommit, prepared), so the checkout rate reads as a fraction of what the database alone does on this machine.
/// </summary>
internal static partial class Pgbench
{
    public const string Database = "bench_pgbench";

    private const string Script = "INSERT INTO inserts (tenant, user_id, total, currency) VALUES ('tenant-' || :client_id, gen_random_uuid(), 28.20, 'EUR');\n";

    /// <summary>Runs pgbench with each client count for <paramref name="seconds"/> on a fresh table in database <see cref="Database"/>.</summary>
    public static async Task<IReadOnlyList<PgbenchResult>> RunAsync(string connectionString, IReadOnlyList<int> clients, int seconds, TextWriter log, CancellationToken cancellationToken)
    {
        var server = new NpgsqlConnectionStringBuilder(connectionString);
        await PrepareAsync(server, cancellationToken);
        var script = Path.Combine(Path.GetTempPath(), $"shop-pgbench-{Environment.ProcessId}.sql");
        await File.WriteAllTextAsync(script, Script, cancellationToken);
        try
        {
            var results = new List<PgbenchResult>();
            foreach (var count in clients)
            {
                var result = await RunOnceAsync(server, script, count, seconds, cancellationToken);
                log.WriteLine(FormattableString.Invariant($"pgbench {count} clients: {result.TransactionsPerSecond:N0} tps, latency average {result.LatencyAverageMs:0.00} ms, {result.Failed} failed"));
                results.Add(result);
            }

            return results;
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Reads pgbench's summary: transactions processed and failed, average latency, tps without connection time.</summary>
    public static PgbenchResult Parse(int clients, string output)
    {
        double Number(Regex pattern, string what) => pattern.Match(output) is { Success: true } m
            ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidDataException($"pgbench printed no {what}:\n{output}");
        return new PgbenchResult(
            clients,
            (long)Number(Processed(), "transaction count"),
            FailedPattern().Match(output) is { Success: true } failed ? long.Parse(failed.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            Number(LatencyAverage(), "average latency"),
            Number(Tps(), "tps"));
    }

    /// <summary>pgbench of the PostgreSQL installation the embedded server uses, or from PATH.</summary>
    public static string FindBinary()
    {
        const string debianRoot = "/usr/lib/postgresql";
        IEnumerable<string> candidates =
        [
            .. Directory.Exists(debianRoot)
                ? Directory.EnumerateDirectories(debianRoot).OrderByDescending(v => int.TryParse(Path.GetFileName(v), out var major) ? major : 0).Select(v => Path.Combine(v, "bin"))
                : [],
            .. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries),
        ];
        return candidates.Select(d => Path.Combine(d, "pgbench")).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("pgbench was not found in /usr/lib/postgresql/*/bin or on PATH (Debian: apt-get install postgresql-contrib or postgresql).");
    }

    private static async Task PrepareAsync(NpgsqlConnectionStringBuilder server, CancellationToken cancellationToken)
    {
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin) { Parameters = { new() { Value = Database } } };
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", admin);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = Database, Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var table = new NpgsqlCommand(
            """
            DROP TABLE IF EXISTS inserts;
            CREATE TABLE inserts (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant text NOT NULL,
                user_id uuid NOT NULL,
                total numeric(12, 2) NOT NULL,
                currency char(3) NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now());
            """, connection);
        await table.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<PgbenchResult> RunOnceAsync(NpgsqlConnectionStringBuilder server, string script, int clients, int seconds, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(FindBinary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["PGPASSWORD"] = server.Password ?? "" },
        };
        foreach (var argument in (string[])[
            "-h", server.Host!, "-p", Text(server.Port), "-U", server.Username!, "-n", "-M", "prepared", "-f", script,
            "-c", Text(clients), "-j", Text(Math.Min(clients, Environment.ProcessorCount)), "-T", Text(seconds), Database])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        var output = await stdout;
        return process.ExitCode == 0
            ? Parse(clients, output)
            : throw new InvalidOperationException($"pgbench exited with code {process.ExitCode}:\n{await stderr}{output}");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex Processed();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedPattern();

    [GeneratedRegex(@"latency average = ([\d.]+) ms")]
    private static partial Regex LatencyAverage();

    [GeneratedRegex(@"tps = ([\d.]+) \(without initial connection time\)")]
    private static partial Regex Tps();
}

/// <summary>One pgbench run's figures.</summary>
internal sealed record PgbenchResult(int Clients, long Transactions, long Failed, double LatencyAverageMs, double TransactionsPerSecond);
