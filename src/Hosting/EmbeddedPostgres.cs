using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Npgsql;

namespace Shop.Hosting;

/// <summary>
/// A PostgreSQL server run from the local binaries as a <see cref="ChildProcess"/>, so it dies with us:
/// a throwaway cluster for tests or a persistent one for the AppHost.
/// </summary>
/// <remarks>
/// The server listens on 127.0.0.1 only, where role <c>postgres</c> logs in with a SCRAM password that is new on
/// every start. Its Unix socket lives in a private directory (0700) and trusts local logins; we use it to set that
/// password. When we run as root, initdb and postgres run as the <c>postgres</c> user, because they refuse root.
/// </remarks>
public sealed class EmbeddedPostgres : IPostgresServer
{
    private const string Superuser = "postgres";
    private const string SystemUser = "postgres"; // the account the Debian package creates

    // The server log is a console log too: at the default verbosity an error's DETAIL carries row values (a unique
    // violation logs "Key (email)=(...) already exists"), so errors are logged without DETAIL, HINT, QUERY and CONTEXT.
    private static readonly string[] LogSettings = ["-c", "log_error_verbosity=terse"];

    // Durability buys nothing for a cluster that is deleted at the end of the run.
    private static readonly string[] ThrowawaySettings =
        ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];

    private readonly ChildProcess _process;
    private readonly RunDirectory _runDirectory;
    private readonly PostgresServer _server;
    private int _disposed;

    private EmbeddedPostgres(ChildProcess process, RunDirectory runDirectory, string dataDirectory, int port, string password)
    {
        _process = process;
        _runDirectory = runDirectory;
        DataDirectory = dataDirectory;
        Port = port;
        _server = new PostgresServer(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = Superuser, Password = password, Database = "postgres",
        }.ConnectionString);
    }

    /// <summary>The cluster's data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>The port the server listens on at 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The postmaster's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Completes with the postmaster's exit code once it ended (stopped by us or not).</summary>
    public Task<int> Exited => _process.Exited;

    /// <inheritdoc />
    public string ConnectionString => _server.ConnectionString;

    /// <summary>Initializes the cluster when its data directory is empty, starts the server and waits until it accepts connections.</summary>
    /// <exception cref="HostingException">The binaries are missing, the port is taken, or initdb or postgres failed.</exception>
    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmbeddedPostgresOptions();
        var binDirectory = FindBinaries(options.BinDirectory);
        var port = options.Port is 0 ? FreePort.Next() : EnsureFree(options.Port);
        var throwaway = options.DataDirectory is null;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        var runDirectory = RunDirectory.Create();
        ChildProcess? postgres = null;
        try
        {
            var dataDirectory = Path.GetFullPath(options.DataDirectory ?? Path.Combine(runDirectory.FullPath, "data"));
            Directory.CreateDirectory(dataDirectory);
            await GiveToPostgresUserAsync(runDirectory.FullPath, timeout.Token);
            await GiveToPostgresUserAsync(dataDirectory, timeout.Token);

            if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
            {
                await RemoveStalePidFileAsync(dataDirectory, timeout.Token);
            }
            else
            {
                await InitDbAsync(binDirectory, dataDirectory, throwaway, runDirectory.FullPath, options.Output, timeout.Token);
            }

            postgres = ChildProcess.Start(AsPostgresUser(new(Path.Combine(binDirectory, "postgres"),
                [
                    "-D", dataDirectory, "-p", port.ToString(CultureInfo.InvariantCulture), "-k", runDirectory.FullPath,
                    "-c", "listen_addresses=127.0.0.1", .. LogSettings, .. throwaway ? ThrowawaySettings : [],
                ])
            {
                WorkingDirectory = runDirectory.FullPath,
                Output = options.Output,
                StopSignal = PosixSignal.SIGINT, // fast shutdown: roll back open transactions instead of waiting for clients
                NewSession = options.NewSession,
            }));

            var password = await SetPasswordAsync(postgres, runDirectory.FullPath, port, options.Password, timeout.Token);
            return new EmbeddedPostgres(postgres, runDirectory, dataDirectory, port, password);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await CleanUpAsync();
            throw new HostingException(
                $"PostgreSQL did not start within {options.StartTimeout.TotalSeconds:0} s.", postgres?.RecentOutput ?? []);
        }
        catch
        {
            await CleanUpAsync();
            throw;
        }

        async Task CleanUpAsync()
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }

            runDirectory.Dispose();
        }
    }

    /// <summary>
    /// For a server another supervisor runs (the AppHost's DCP): initializes the cluster when its data directory is
    /// empty, hands the directories to the postgres user when we are root, removes a killed run's pid file, and
    /// runs nothing else: <see cref="ServerCommand"/> is what the supervisor runs.
    /// </summary>
    /// <exception cref="HostingException">The binaries are missing, or initdb failed.</exception>
    public static async Task PrepareClusterAsync(
        string dataDirectory, string socketDirectory, Action<OutputLine>? output = null, CancellationToken cancellationToken = default)
    {
        var binDirectory = FindBinaries(null);
        Directory.CreateDirectory(dataDirectory);
        Directory.CreateDirectory(socketDirectory);
        await GiveToPostgresUserAsync(socketDirectory, cancellationToken);
        await GiveToPostgresUserAsync(dataDirectory, cancellationToken);
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            await RemoveStalePidFileAsync(dataDirectory, cancellationToken);
        }
        else
        {
            await InitDbAsync(binDirectory, dataDirectory, throwaway: false, socketDirectory, output, cancellationToken);
        }
    }

    /// <summary>The command that runs postgres on a prepared cluster (as the postgres user when we are root); the caller adds <c>-p PORT</c>.</summary>
    /// <exception cref="HostingException">The binaries are missing.</exception>
    public static (string FileName, IReadOnlyList<string> Arguments) ServerCommand(string dataDirectory, string socketDirectory)
    {
        var command = AsPostgresUser(new(Path.Combine(FindBinaries(null), "postgres"),
            ["-D", dataDirectory, "-k", socketDirectory, "-c", "listen_addresses=127.0.0.1", .. LogSettings]));
        return (command.FileName, command.Arguments);
    }

    /// <summary>True when initdb and postgres are installed (in /usr/lib/postgresql/*/bin or on PATH).</summary>
    public static bool BinariesInstalled()
    {
        try
        {
            FindBinaries(null);
            return true;
        }
        catch (HostingException)
        {
            return false;
        }
    }

    /// <summary>Sets the superuser's password for TCP logins over the server's Unix socket, where local logins are trusted.</summary>
    public static async Task SetPasswordAsync(string socketDirectory, int port, string password, CancellationToken cancellationToken = default)
    {
        var viaSocket = new NpgsqlConnectionStringBuilder
        {
            Host = socketDirectory, Port = port, Username = Superuser, Database = "postgres", Pooling = false,
        }.ConnectionString;
        await using var connection = new NpgsqlConnection(viaSocket);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"ALTER ROLE {Superuser} PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        _server.CreateDatabaseAsync(name, cancellationToken);

    /// <inheritdoc />
    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        _server.DropDatabaseAsync(name, cancellationToken);

    /// <summary>Stops the server (fast shutdown) and removes its run directory, with the data of a throwaway cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _server.DisposeAsync();
        await _process.DisposeAsync();
        _runDirectory.Dispose();
    }

    private static string FindBinaries(string? configured)
    {
        const string debianRoot = "/usr/lib/postgresql";
        IEnumerable<string> candidates = configured is not null ? [configured]
            : [
                .. Directory.Exists(debianRoot)
                    ? Directory.EnumerateDirectories(debianRoot)
                        .OrderByDescending(version => int.TryParse(Path.GetFileName(version), out var major) ? major : 0)
                        .Select(version => Path.Combine(version, "bin"))
                    : [],
                .. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries),
            ];
        return candidates.FirstOrDefault(directory =>
                File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "postgres")))
            ?? throw new HostingException(
                $"PostgreSQL server binaries (initdb, postgres) were not found in {configured ?? $"{debianRoot}/*/bin or on PATH"}. " +
                "Install them (Debian/Ubuntu: sudo apt-get install postgresql), or use an existing server by setting its " +
                "connection string in SHOP_TEST_POSTGRES (tests), or with --postgres or ConnectionStrings__postgres (AppHost).");
    }

    private static int EnsureFree(int port) => FreePort.IsFree(port) ? port
        : throw new HostingException(
            $"Port {port} on 127.0.0.1 is already in use, so PostgreSQL cannot listen on it. " +
            $"Stop what listens there (ss -ltnp 'sport = :{port}' shows it) or choose another port.");

    private static async Task InitDbAsync(
        string binDirectory, string dataDirectory, bool throwaway, string workingDirectory, Action<OutputLine>? output,
        CancellationToken cancellationToken)
    {
        // C.UTF-8: Unicode-aware upper() and lower(), byte-order sorting that is the same on every machine.
        string[] arguments =
        [
            "-D", dataDirectory, "-U", Superuser, "-E", "UTF8", "--locale=C.UTF-8",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-instructions", .. throwaway ? ["--no-sync"] : Array.Empty<string>(),
        ];
        await RunAsync(AsPostgresUser(new(Path.Combine(binDirectory, "initdb"), arguments)
        {
            WorkingDirectory = workingDirectory, Output = output,
        }), cancellationToken);
    }

    // A killed run leaves postmaster.pid behind. Postgres removes it itself when that pid is dead, but refuses to
    // start when the pid now belongs to some other process, so decide here whether a postgres really still runs.
    private static async Task RemoveStalePidFileAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }

        if (int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
        {
            // The postgres of a run that was just killed may still be shutting down: give it a moment.
            for (var attempt = 0; IsPostgres(pid); attempt++)
            {
                if (attempt == 100)
                {
                    throw new HostingException(
                        $"PostgreSQL (pid {pid}) still runs on {dataDirectory}. Stop it or use another data directory.");
                }

                await Task.Delay(100, cancellationToken);
            }
        }

        File.Delete(pidFile);
    }

    private static bool IsPostgres(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.ProcessName == "postgres";
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false; // no such process, or it just ended
        }
    }

    // Waits until the server accepts connections on its socket, then sets the superuser's password for TCP logins.
    private static async Task<string> SetPasswordAsync(
        ChildProcess postgres, string socketDirectory, int port, string? password, CancellationToken cancellationToken)
    {
        var viaSocket = new NpgsqlConnectionStringBuilder
        {
            Host = socketDirectory, Port = port, Username = Superuser, Database = "postgres", Pooling = false,
        }.ConnectionString;
        while (true)
        {
            if (postgres.Exited.IsCompleted)
            {
                throw new HostingException(
                    $"PostgreSQL exited with code {await postgres.Exited} while starting.", postgres.RecentOutput);
            }

            try
            {
                await using var connection = new NpgsqlConnection(viaSocket);
                await connection.OpenAsync(cancellationToken);
                password ??= Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
                await using var command = new NpgsqlCommand($"ALTER ROLE {Superuser} PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'", connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
                return password;
            }
            catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(50, cancellationToken); // not listening yet, or still starting up
            }
        }
    }

    private static async Task GiveToPostgresUserAsync(string directory, CancellationToken cancellationToken)
    {
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync(new("chown", [$"{SystemUser}:", directory]), cancellationToken);
        }
    }

    // setpriv execs in place (runuser and su fork), so the pid and the signals stay with postgres itself.
    private static ChildProcessOptions AsPostgresUser(ChildProcessOptions command) => !Environment.IsPrivilegedProcess ? command
        : command with
        {
            FileName = "setpriv",
            Arguments = [$"--reuid={SystemUser}", $"--regid={SystemUser}", "--init-groups", "--", command.FileName, .. command.Arguments],
        };

    private static async Task RunAsync(ChildProcessOptions command, CancellationToken cancellationToken)
    {
        await using var process = ChildProcess.Start(command);
        var exitCode = await process.Exited.WaitAsync(cancellationToken);
        if (exitCode != 0)
        {
            throw new HostingException(
                $"{command.FileName} {string.Join(' ', command.Arguments)} failed with exit code {exitCode}.", process.RecentOutput);
        }
    }
}
