using Npgsql;
using Xunit;

namespace Shop.Testing;

/// <summary>
/// PostgreSQL's own count of the transactions run in test databases (pg_stat_database: commits plus rollbacks; a statement
/// outside an explicit transaction is one, a connection reset too), as the rate-at-slo benchmark counts them for a checkout.
/// </summary>
public static class DatabaseTransactions
{
    // Each backend adds its counts when it goes idle, at most once a second, and within PGSTAT_IDLE_INTERVAL (10 s) once
    // idle: counts that have not moved for longer than that are complete.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(11);
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    // The background a service's database sees (BackgroundAllowance): seconds between health probes and between
    // autovacuum visits (autovacuum_naptime), and the transactions of one visit.
    private const double HealthProbePeriod = 30;
    private const double AutovacuumNaptime = 60;
    private const int AutovacuumVisitTransactions = 2;

    /// <summary>
    /// The counts of <paramref name="databases"/>, in their order, once every backend has reported what it did: when they have
    /// not changed for 11 s. Read over a connection to the database postgres, so the reading adds nothing to them.
    /// </summary>
    public static async Task<long[]> SettledAsync(params PostgresDatabase[] databases)
    {
        ArgumentNullException.ThrowIfNull(databases);
        var end = DateTime.UtcNow + Deadline;
        var counts = await ReadAsync(databases);
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow - since < Quiet)
        {
            Assert.True(DateTime.UtcNow < end, $"The transaction counts of {string.Join(", ", databases.Select(d => d.Name))} kept changing for {Deadline}.");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var now = await ReadAsync(databases);
            if (!now.SequenceEqual(counts))
            {
                counts = now;
                since = DateTime.UtcNow;
            }
        }

        return counts;
    }

    /// <summary>
    /// The most transactions a service's database can see between two settled readings that are not the work under test.
    /// The service's health publisher runs its database probe every 30 s (one transaction). Autovacuum visits every
    /// database once a minute, and a visit is two transactions even when it finds nothing to do (its table list, then
    /// datfrozenxid): measured on PostgreSQL 15 with idle databases, each count rose by 2 every 60 s.
    /// <paramref name="between"/> is the time from the first reading's return to the second's; the first reading can miss
    /// the last <see cref="Quiet"/> before it, so that is added. A periodic event fits floor(window / period) + 1 times.
    /// </summary>
    public static int BackgroundAllowance(TimeSpan between)
    {
        var window = (between + Quiet).TotalSeconds;
        return Occurrences(window, HealthProbePeriod) + AutovacuumVisitTransactions * Occurrences(window, AutovacuumNaptime);
    }

    private static int Occurrences(double window, double period) => (int)Math.Floor(window / period) + 1;

    private static async Task<long[]> ReadAsync(PostgresDatabase[] databases)
    {
        var builder = new NpgsqlConnectionStringBuilder(databases[0].ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        var counts = new long[databases.Length];
        for (var i = 0; i < databases.Length; i++)
        {
            // A transaction of its own, so a fresh statistics snapshot (PostgreSQL keeps one per transaction).
            await using var command = new NpgsqlCommand(
                "SELECT coalesce(sum(xact_commit + xact_rollback), 0)::bigint FROM pg_stat_database WHERE datname = $1", connection)
            {
                Parameters = { new() { Value = databases[i].Name } },
            };
            counts[i] = (long)(await command.ExecuteScalarAsync())!;
        }

        return counts;
    }
}
