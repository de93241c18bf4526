using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>
/// Stands in for OpenTelemetry.Extensions.Hosting, which this package registry lacks: an
/// <see cref="IOpenTelemetryBuilder"/> over the host's services (the SDK's own WithTracing,
/// WithMetrics, WithLogging and the exporter's UseOtlpExporter build on it), plus a hosted
/// service that creates the providers when the host starts and flushes them when it stops.
/// Replacing it with the official package means calling <c>services.AddOpenTelemetry()</c> instead.
/// </summary>
internal sealed class HostedOpenTelemetryBuilder : IOpenTelemetryBuilder
{
    public HostedOpenTelemetryBuilder(IServiceCollection services)
    {
        Services = services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TelemetryHostedService>());
    }

    public IServiceCollection Services { get; }
}

/// <summary>Resolves the providers before anything else starts, so the first request is observed; flushes on stop.</summary>
internal sealed class TelemetryHostedService(IServiceProvider services) : IHostedLifecycleService
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // Providers are lazy singletons: resolving them subscribes their listeners.
        services.GetService<TracerProvider>();
        services.GetService<MeterProvider>();
        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        // Disposing the container shuts the providers down too; flushing here keeps the last
        // spans of a request that finished during shutdown even when the host is never disposed.
        var timeout = (int)FlushTimeout.TotalMilliseconds;
        services.GetService<TracerProvider>()?.ForceFlush(timeout);
        services.GetService<MeterProvider>()?.ForceFlush(timeout);
        services.GetService<LoggerProvider>()?.ForceFlush(timeout);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
