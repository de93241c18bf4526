using Microsoft.EntityFrameworkCore;
using Npgsql;
using Shop.Data;
using Xunit;

namespace Shop.Testing;

/// <summary>
/// The schema of a database as sorted text lines: columns with type, length, nullability, default and identity;
/// indexes as PostgreSQL defines them; constraints. EF's own migrations-history table is left out.
/// </summary>
public static class DatabaseSchema
{
    private const string Sql = """
        SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
               || coalesce('(' || character_maximum_length || ')', '') || ' nullable=' || is_nullable
               || ' default=' || coalesce(column_default, '-') || ' identity=' || coalesce(identity_generation, '-')
        FROM information_schema.columns WHERE table_schema = 'public'
        UNION ALL
        SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL
        SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        """;

    private const string HistoryTable = "__EFMigrationsHistory";

    /// <summary>Reads the schema of the database at <paramref name="connectionString"/>.</summary>
    public static async Task<IReadOnlyList<string>> DescribeAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            var line = reader.GetString(0);
            if (!line.Contains(HistoryTable, StringComparison.Ordinal))
            {
                lines.Add(line);
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>
    /// Fails unless migrating one fresh database gives the same schema as creating another straight from the model:
    /// the check that hand-written migrations (no design-time tools here) have not drifted from the model.
    /// </summary>
    public static async Task AssertMigrationsMatchModelAsync<TContext>(Func<DbContextOptions<TContext>, TContext> create)
        where TContext : DbContext
    {
        var prefix = typeof(TContext).Name.ToLowerInvariant();
        await using var migrated = await PostgresDatabase.CreateAsync(prefix + "_migrated");
        await using var created = await PostgresDatabase.CreateAsync(prefix + "_model");
        await using (var db = Open(migrated.ConnectionString, create))
        {
            await db.Database.MigrateAsync();
        }

        await using (var db = Open(created.ConnectionString, create))
        {
            await db.Database.EnsureCreatedAsync();
        }

        var expected = await DescribeAsync(created.ConnectionString);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, await DescribeAsync(migrated.ConnectionString));
    }

    /// <summary>A context on <paramref name="connectionString"/>, configured as the services configure theirs.</summary>
    public static TContext Open<TContext>(string connectionString, Func<DbContextOptions<TContext>, TContext> create)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(create);
        return create(new DbContextOptionsBuilder<TContext>().UseShopDatabase(NpgsqlDataSource.Create(connectionString)).Options);
    }
}
