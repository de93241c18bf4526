using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Shop.Hosting;

namespace Shop.AppHost;

/// <summary>
/// PostgreSQL in one of three forms with the same connection string for WithReference: the server of
/// --postgres / ConnectionStrings__postgres; Aspire.Hosting.PostgreSQL's container when a container engine
/// answers; otherwise our own resource on the local binaries, data kept in &lt;state&gt;/data/postgres.
/// </summary>
internal static class PostgresExtensions
{
    /// <summary>The PostgreSQL server for the services' databases: an existing one, a container, or the local binaries.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddShopPostgres(this IDistributedApplicationBuilder builder, string name, ShopSettings shop)
    {
        if (builder.Configuration.GetConnectionString(name) is { Length: > 0 })
        {
            return builder.AddConnectionString(name); // an existing server; its role must be allowed to create databases
        }

        if (ContainerEngineAnswers())
        {
            // As on the local binaries: errors logged without the DETAIL that carries row values (not run here: no engine).
            return builder.AddPostgres(name).WithDataVolume().WithArgs("-c", "log_error_verbosity=terse");
        }

        if (!EmbeddedPostgres.BinariesInstalled())
        {
            throw new DistributedApplicationException(
                "PostgreSQL is needed and neither a container engine nor the PostgreSQL server binaries were found. Install the binaries " +
                "(Debian/Ubuntu: sudo apt-get install postgresql), or start Docker/Podman, or use an existing server with --postgres \"Host=...;Username=...;Password=...\".");
        }

        return builder.AddLocalPostgres(name, shop.StateDirectory);
    }

    /// <summary>
    /// A database <paramref name="database"/> on <paramref name="server"/>, as the connection string <paramref name="name"/>;
    /// the service's migrations create it on first start.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddShopDatabase(
        this IResourceBuilder<IResourceWithConnectionString> server, string name, string database) =>
        server.ApplicationBuilder
            // Npgsql's default pool of 100 per service lets three services exceed PostgreSQL's max_connections (100)
            // in a burst ("too many clients"); with 15 a burst waits in the pool, and two suites on one server still fit.
            .AddConnectionString(name, ReferenceExpression.Create($"{server.Resource};Database={database};Maximum Pool Size=15"))
            .WaitFor(server);

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name, string state)
    {
        var dataDirectory = Path.Combine(state, "data", name);
        var socketDirectory = Path.Combine(state, "run", name);
        var (command, arguments) = EmbeddedPostgres.ServerCommand(dataDirectory, socketDirectory);
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var resource = new LocalPostgresResource(name, command, state, password);
        var passwordSet = false;
        async Task<HealthCheckResult> Ready(CancellationToken cancellationToken)
        {
            try
            {
                if (!passwordSet)
                {
                    // A new password every run, set over the trusted Unix socket: no secret is stored with the data.
                    // The socket is named after the port postgres listens on (DCP chose it: only the process knows it).
                    if (Directory.GetFiles(socketDirectory, ".s.PGSQL.*").FirstOrDefault(f => !f.EndsWith(".lock", StringComparison.Ordinal)) is not { } socket)
                    {
                        return HealthCheckResult.Unhealthy("postgres is not listening yet");
                    }

                    var port = int.Parse(System.IO.Path.GetExtension(socket).TrimStart('.'), CultureInfo.InvariantCulture);
                    await EmbeddedPostgres.SetPasswordAsync(socketDirectory, port, (await password.GetValueAsync(cancellationToken))!, cancellationToken);
                    passwordSet = true;
                }

                await using var connection = new NpgsqlConnection(await resource.ConnectionStringExpression.GetValueAsync(cancellationToken) + ";Pooling=false");
                await connection.OpenAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is NpgsqlException or SocketException or IOException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }

        return builder.AddResource(resource)
            .WithEndpoint(name: "tcp", scheme: "tcp", isProxied: false) // postgres binds the port DCP picks: no proxy hop per query
            .WithArgs(arguments.Cast<object>().ToArray())
            .WithArgs(context => context.Args.Add(ReferenceExpression.Create($"-p {resource.Tcp.Property(EndpointProperty.TargetPort)}")))
            .WithPromptHealthCheck($"{name}-ready", Ready)
            .OnBeforeResourceStarted(async (_, _, cancellationToken) =>
            {
                passwordSet = false;
                foreach (var stale in Directory.Exists(socketDirectory) ? Directory.GetFiles(socketDirectory, ".s.PGSQL.*") : [])
                {
                    File.Delete(stale); // a killed run's socket would name its old port
                }

                await EmbeddedPostgres.PrepareClusterAsync(dataDirectory, socketDirectory, cancellationToken: cancellationToken);
            });
    }

    // Docker or Podman on their usual sockets (DOCKER_HOST when set); no engine here means the local binaries.
    private static bool ContainerEngineAnswers()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        string[] sockets = host is { Length: > 0 } && host.StartsWith("unix://", StringComparison.Ordinal)
            ? [host["unix://".Length..]]
            : ["/var/run/docker.sock", $"/run/user/{Environment.GetEnvironmentVariable("UID")}/podman/podman.sock"];
        foreach (var path in sockets.Where(File.Exists))
        {
            try
            {
                using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Connect(new UnixDomainSocketEndPoint(path));
                return true;
            }
            catch (SocketException)
            {
                // a socket file without an engine behind it
            }
        }

        return false;
    }
}

/// <summary>postgres from the local binaries, run by DCP like any executable; its connection string is the superuser's.</summary>
internal sealed class LocalPostgresResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public EndpointReference Tcp => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Host={Tcp.Property(EndpointProperty.Host)};Port={Tcp.Property(EndpointProperty.Port)};Username=postgres;Password={password}");
}
