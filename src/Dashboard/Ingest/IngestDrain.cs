using Microsoft.Extensions.Options;

namespace Shop.Dashboard.Ingest;

/// <summary>
/// Keeps the OTLP receivers open for a moment after a stop is requested. When a suite stops, its services get the
/// signal at the same moment as the dashboard and flush their last spans, logs and metrics on the way out. Receivers
/// closed at once lose that telemetry, and each service then retries its final export for seconds before it exits
/// (9 s measured, load/README.md). So stopping first waits until no export arrived for <c>Dashboard:StopDrain</c>
/// (1 s) since the stop began, at most <see cref="Limit"/>; only then do the web server and the forwarder stop, and
/// what arrived is forwarded like the rest.
/// </summary>
internal sealed partial class IngestDrain(IngestCounters counters, IOptions<DashboardOptions> options, TimeProvider time, ILogger<IngestDrain> logger)
    : IHostedLifecycleService
{
    /// <summary>The longest a stop waits for exports, however many keep arriving.</summary>
    internal static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    // StoppingAsync runs before any hosted service's StopAsync, the web server's included: the receivers still answer.
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var quiet = options.Value.StopDrain;
        var first = counters.Received();
        var started = time.GetTimestamp();
        var lastChange = started;
        var seen = first;
        try
        {
            while (time.GetElapsedTime(lastChange) < quiet && time.GetElapsedTime(started) < Limit)
            {
                await Task.Delay(Poll, time, cancellationToken);
                var received = counters.Received();
                if (received != seen)
                {
                    seen = received;
                    lastChange = time.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the host's shutdown timeout: stop now
        }

        var waited = time.GetElapsedTime(started);
        if (seen != first)
        {
            LogDrained(logger, seen - first, waited.TotalSeconds);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: received {Items} more span(s), log record(s) and data point(s) in {Seconds:0.0} s before closing the receivers")]
    private static partial void LogDrained(ILogger logger, long items, double seconds);
}
