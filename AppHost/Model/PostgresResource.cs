using System.Data.Common;
using System.Security.Cryptography;
using Npgsql;
using Shop.Hosting;

namespace Shop.AppHost.Model;

/// <summary>
/// PostgreSQL with one database per service: the embedded cluster (local binaries, data kept in the state
/// directory) or an existing server given by its connection string.
/// </summary>
internal sealed class PostgresResource : Resource
{
    private static readonly Task<int> NoProcess = new TaskCompletionSource<int>().Task;

    private readonly string? _existing;
    private readonly string _dataDirectory;
    private readonly Action<Resource, OutputLine> _output;
    private readonly Queue<string> _recent = new();
    private readonly Dictionary<string, string> _connectionStrings = new(StringComparer.Ordinal);

    // The embedded server keeps its port and password across restarts, so the services' connection strings stay valid.
    private readonly string _password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    private IPostgresServer? _server;

    public PostgresResource(string name, string? existingConnectionString, string dataDirectory, Action<Resource, OutputLine> output)
        : base(name)
    {
        _existing = existingConnectionString;
        _dataDirectory = dataDirectory;
        _output = output;
        if (_existing is null)
        {
            Endpoints.Add(new Endpoint("tcp", FreePort.Next()));
        }
    }

    /// <summary>
    /// Connections each service's pool may hold unless the given connection string sets its own Maximum Pool Size.
    /// Npgsql's default of 100 per pool lets three services together exceed PostgreSQL's default max_connections
    /// (100) in a burst, and the server then refuses new connections ("too many clients", 53300): requests fail with
    /// 500. With 15, a burst waits in the pool for a free connection (Npgsql's Timeout, 15 s) instead, and two suites
    /// on one server (the overhead benchmark) still fit in 100.
    /// </summary>
    internal const int ServicePoolSize = 15;

    /// <summary>The databases to create, one per service.</summary>
    public List<string> Databases { get; } = [];

    public bool IsEmbedded => _existing is null;

    /// <summary>The server's connection string without the password, for the console and endpoints.json.</summary>
    public string RedactedConnectionString => Redact(_server?.ConnectionString ?? _existing ?? "");

    public override string? DisplayUrl => RedactedConnectionString;

    public override Task<int> Exited => (_server as EmbeddedPostgres)?.Exited ?? NoProcess;

    public override IReadOnlyList<string> RecentOutput
    {
        get
        {
            lock (_recent)
            {
                return [.. _recent];
            }
        }
    }

    /// <summary>The connection string of a service's database (password included), known once started.</summary>
    public string ConnectionStringFor(string database) =>
        _connectionStrings.TryGetValue(database, out var connectionString)
            ? connectionString
            : throw new InvalidOperationException($"Database {database} is not created yet.");

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        try
        {
            _server = _existing is null
                ? await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
                {
                    DataDirectory = _dataDirectory,
                    Port = Endpoints[0].Port,
                    Password = _password,
                    Output = Record,
                    NewSession = true,
                }, cancellationToken)
                : new PostgresServer(_existing);
            foreach (var database in Databases)
            {
                _connectionStrings[database] = WithPoolLimit(await _server!.CreateDatabaseAsync(database, cancellationToken));
            }
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            await StopAsync();
            throw new HostingException(
                $"PostgreSQL at {Redact(_existing ?? "")} cannot be used: {e.Message}. Check the connection string " +
                "(--postgres or ConnectionStrings__postgres; the role must be allowed to create databases), or leave it out to run the embedded server.");
        }
    }

    public override async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary><paramref name="connectionString"/> with Maximum Pool Size <see cref="ServicePoolSize"/>, unless it sets one.</summary>
    internal static string WithPoolLimit(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString); // accepts the synonyms (MaxPoolSize, ...) and writes the canonical key
        if (new DbConnectionStringBuilder { ConnectionString = builder.ConnectionString }.ContainsKey("Maximum Pool Size"))
        {
            return connectionString;
        }

        builder.MaxPoolSize = ServicePoolSize;
        return builder.ConnectionString;
    }

    private static string Redact(string connectionString)
    {
        try
        {
            return PostgresServer.Redact(connectionString);
        }
        catch (ArgumentException)
        {
            return "(not a valid connection string)";
        }
    }

    private void Record(OutputLine line)
    {
        lock (_recent)
        {
            _recent.Enqueue(line.Text);
            if (_recent.Count > 40)
            {
                _recent.Dequeue();
            }
        }

        _output(this, line);
    }
}
