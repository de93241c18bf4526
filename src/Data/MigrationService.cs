using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shop.Conventions;

namespace Shop.Data;

/// <summary>
/// Applies pending migrations while the host starts, before Kestrel listens: a service answers only on its
/// current schema. EF Core 9+ takes a database lock while migrating, so instances starting together are safe.
/// </summary>
internal sealed partial class MigrationService<TContext>(IServiceProvider services, ILogger<MigrationService<TContext>> logger)
    : IHostedLifecycleService
    where TContext : DbContext
{
    private static readonly ActivitySource Source = new(TelemetrySources.Data);

    // StartingAsync runs before any hosted service's StartAsync, the web server's included.
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        // One trace for the startup work, instead of a root span per migration statement.
        using var activity = Source.StartActivity($"migrate {typeof(TContext).Name}");
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            await context.Database.MigrateAsync(cancellationToken);
        }

        LogMigrated(logger, typeof(TContext).Name, pending.Count, pending.Count == 0 ? "none" : string.Join(", ", pending));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database of {Context} is up to date; applied {Count} migration(s): {Migrations}")]
    private static partial void LogMigrated(ILogger logger, string context, int count, string migrations);
}
