using Npgsql;

namespace Shop.Hosting;

/// <summary>A running PostgreSQL server reached through a connection string of a role allowed to create databases.</summary>
public sealed class PostgresServer(string connectionString) : IPostgresServer
{
    private const string DuplicateDatabase = "42P04";

    private readonly NpgsqlDataSource _admin = NpgsqlDataSource.Create(connectionString);

    /// <inheritdoc />
    public string ConnectionString => connectionString;

    /// <inheritdoc />
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var exists = _admin.CreateCommand("SELECT 1 FROM pg_database WHERE datname = $1");
        exists.Parameters.Add(new() { Value = name });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            try
            {
                await ExecuteAsync($"CREATE DATABASE {Quote(name)}", cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == DuplicateDatabase)
            {
                // Someone else created it between our check and our CREATE: that is what we wanted.
            }
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
    }

    /// <inheritdoc />
    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        ExecuteAsync($"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)", cancellationToken);

    /// <summary>The connection string without its password, for logs and consoles.</summary>
    public static string Redact(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Password = null }.ConnectionString;

    /// <summary>Closes the pooled admin connections; the server and its databases stay.</summary>
    public ValueTask DisposeAsync() => _admin.DisposeAsync();

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = _admin.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
