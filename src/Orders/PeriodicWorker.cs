namespace Shop.Orders;

/// <summary>A background worker that runs a round of work every interval; a failed round is logged and the next one tries again.</summary>
internal abstract partial class PeriodicWorker(TimeSpan interval, ILogger logger) : BackgroundService
{
    protected abstract Task RunRoundAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunRoundAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(logger, GetType().Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Worker} failed; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, string worker, Exception exception);
}
