using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Shop.Data;

/// <summary>One PostgreSQL database per service: data source, pooled DbContext, migrations at startup, readiness check.</summary>
public static class DatabaseExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TContext"/> (pooled) on an NpgsqlDataSource built from ConnectionStrings:{connectionName},
    /// applies its migrations before the server listens, and adds a database check to /health.
    /// </summary>
    public static IHostApplicationBuilder AddShopDatabase<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"No connection string '{connectionName}': set configuration ConnectionStrings:{connectionName} " +
                $"(environment variable ConnectionStrings__{connectionName}), e.g. Host=127.0.0.1;Port=5432;Database={connectionName};Username=...;Password=...");
        }

        // Npgsql traces every command through its ActivitySource "Npgsql" whenever someone listens (ServiceDefaults does).
        builder.Services.AddSingleton(provider =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(provider.GetRequiredService<ILoggerFactory>());
            // No DISCARD ALL when a connection goes back to the pool: EF Core opens and closes the connection around every
            // query and SaveChanges, and each reset is a statement, and so a PostgreSQL transaction, of its own on the next
            // use: one per query or SaveChanges, half of what a checkout cost. Safe here because nothing leaves session state
            // behind: no SET, no temporary tables, no LISTEN, no prepared statements of our own, no session advisory locks
            // (EF's migration lock is a LOCK TABLE that ends with its transaction); and Npgsql rolls back a transaction left
            // open whether it resets or not.
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            // A statement run twice on a connection is prepared there by Npgsql (up to 32 per connection, the least
            // recently used replaced): PostgreSQL then parses and plans each of EF's few statement shapes once per
            // connection instead of at every execution. Npgsql keeps track of them itself; a connection string that sets
            // Max Auto Prepare keeps its own settings.
            if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = 32;
                dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            }
            return dataSource.Build();
        });
        builder.Services.AddDbContextPool<TContext>((provider, options) =>
            options.UseShopDatabase(provider.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddHostedService<MigrationService<TContext>>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>(connectionName + "-database", HealthStatus.Unhealthy);
        return builder;
    }

    /// <summary>The options every Shop DbContext uses; tests build their contexts with it too.</summary>
    public static TBuilder UseShopDatabase<TBuilder>(this TBuilder options, NpgsqlDataSource dataSource)
        where TBuilder : DbContextOptionsBuilder
    {
        ArgumentNullException.ThrowIfNull(options);
        options.UseNpgsql(dataSource)
            // A span for each COMMIT and ROLLBACK: Npgsql traces commands only (TransactionTelemetry.cs).
            .AddInterceptors(TransactionTelemetry.Instance)
            // The migrations are written by hand (the design-time package that generates them and their model
            // snapshot is not available here). Without a snapshot EF cannot diff the model and would report pending
            // changes on every migration; each service's tests instead compare the migrated schema with the model's.
            .ConfigureWarnings(warnings => warnings
                .Ignore(RelationalEventId.PendingModelChangesWarning)
                // A failed command or save surfaces as an exception that its caller handles (a unique violation is often
                // the expected answer: a taken email, a concurrent duplicate) or the host logs once; EF logging it as an
                // error as well would report expected outcomes as failures. So does a failed connection: a service's
                // first start asks for its database before its migrations create it, and EF logged that as two errors.
                .Log((RelationalEventId.CommandError, LogLevel.Debug), (CoreEventId.SaveChangesFailed, LogLevel.Debug),
                    (RelationalEventId.ConnectionError, LogLevel.Debug)));
        return options;
    }
}
