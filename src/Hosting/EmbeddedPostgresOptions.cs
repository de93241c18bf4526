namespace Shop.Hosting;

/// <summary>How <see cref="EmbeddedPostgres"/> finds its binaries, where it keeps its data and which port it listens on.</summary>
public sealed record EmbeddedPostgresOptions
{
    /// <summary>
    /// Where a persistent cluster keeps its data across runs (created by initdb when empty) with PostgreSQL's safe
    /// defaults. Null starts a throwaway cluster in a temporary directory, tuned for speed and removed on dispose.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>The folder holding initdb and postgres; null searches /usr/lib/postgresql/*/bin (newest first), then PATH.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>The port on 127.0.0.1; 0 takes a free one.</summary>
    public int Port { get; init; }

    /// <summary>Receives initdb's and postgres' output lines.</summary>
    public Action<OutputLine>? Output { get; init; }

    /// <summary>How long initdb plus the server's start may take.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The superuser's password for TCP logins; null makes a new random one. A fixed one lets a restarted server keep its clients' connection strings.</summary>
    public string? Password { get; init; }

    /// <summary>Runs postgres in a session of its own (see <see cref="ChildProcessOptions.NewSession"/>).</summary>
    public bool NewSession { get; init; }
}
