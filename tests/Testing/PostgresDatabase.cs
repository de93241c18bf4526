using Shop.Hosting;
using Xunit;

namespace Shop.Testing;

/// <summary>
/// A fresh database on <see cref="TestPostgres.Server"/>, dropped on dispose: a class fixture
/// (<c>IClassFixture&lt;PostgresDatabase&gt;</c>) or, through <see cref="CreateAsync"/>, one test's own.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime, IAsyncDisposable
{
    // PostgreSQL truncates identifiers at 63 bytes: keep the unique suffix whole.
    private const int MaxPrefixLength = 30;

    private string? _connectionString;

    /// <summary>A database named "test_" plus a unique suffix.</summary>
    public PostgresDatabase()
        : this("test")
    {
    }

    // xunit wants a single public constructor on a class fixture.
    private PostgresDatabase(string prefix) => Name = $"{prefix[..Math.Min(prefix.Length, MaxPrefixLength)]}_{Guid.NewGuid():N}";

    /// <summary>The database name: the prefix plus a unique suffix, so concurrent tests never share one.</summary>
    public string Name { get; }

    /// <summary>The database's connection string, password included.</summary>
    public string ConnectionString =>
        _connectionString ?? throw new InvalidOperationException("The database is created by InitializeAsync.");

    /// <summary>Creates a database for one test: <c>await using var database = await PostgresDatabase.CreateAsync("orders");</c></summary>
    public static async Task<PostgresDatabase> CreateAsync(string prefix)
    {
        var database = new PostgresDatabase(prefix);
        await database.InitializeAsync();
        return database;
    }

    /// <inheritdoc />
    public async Task InitializeAsync() =>
        _connectionString = await (await TestPostgres.Server).CreateDatabaseAsync(Name);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_connectionString is not null)
        {
            await (await TestPostgres.Server).DropDatabaseAsync(Name);
        }
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
}
