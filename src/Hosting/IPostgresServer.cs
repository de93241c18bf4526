namespace Shop.Hosting;

/// <summary>A PostgreSQL server that hands out databases: <see cref="EmbeddedPostgres"/> or an existing <see cref="PostgresServer"/>.</summary>
public interface IPostgresServer : IAsyncDisposable
{
    /// <summary>The connection string the server is administered with, password included (embedded: superuser, database <c>postgres</c>).</summary>
    string ConnectionString { get; }

    /// <summary>Creates the database unless it exists and returns its connection string, password included.</summary>
    Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Drops the database if it exists, closing the connections still open to it.</summary>
    Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default);
}
