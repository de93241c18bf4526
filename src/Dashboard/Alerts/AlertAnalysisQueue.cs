using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Shop.Dashboard.Alerts;

/// <summary>
/// Analyses alerts off the webhook's request. The webhook records each notification, queues the alert and answers
/// at once (Alertmanager waits for the answer, and an analysis reads up to Dashboard:Alerts:MaxTraces traces); one
/// worker then analyses the queued alerts in turn. An alert notified again before its turn is analysed once, with
/// the traces there are by then; one notified while it is being analysed is analysed again afterwards.
/// </summary>
internal sealed partial class AlertAnalysisQueue(AlertStore alerts, AlertAnalyzer analyzer, ILogger<AlertAnalysisQueue> logger) : BackgroundService
{
    // Unbounded, yet holding each alert id once: at most the alerts the store keeps (Dashboard:Alerts:MaxAlerts) plus
    // the few evicted while queued.
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _queued = new(StringComparer.Ordinal);

    /// <summary>Queues <paramref name="alertId"/> for analysis; false when it is queued already.</summary>
    public bool Enqueue(string alertId) => _queued.TryAdd(alertId, 0) && _queue.Writer.TryWrite(alertId);

    /// <summary>Whether <paramref name="alertId"/> waits for its analysis.</summary>
    public bool IsQueued(string alertId) => _queued.ContainsKey(alertId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            _queued.TryRemove(id, out _);
            if (alerts.Get(id) is not { } alert)
            {
                continue; // evicted while it waited
            }

            try
            {
                var report = analyzer.Analyze(alert, out var problem);
                alerts.SetReport(id, report, problem);
                LogAnalysed(logger, alert.AlertName, alert.Status, alert.Service ?? "(none)", report?.Summary ?? problem ?? "");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                alerts.SetReport(id, null, "the analysis failed; the dashboard's log has the error");
                LogFailed(logger, e, alert.AlertName);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertName} {Status} for {Service}: {Summary}")]
    private static partial void LogAnalysed(ILogger logger, string alertName, string status, string service, string summary);

    [LoggerMessage(Level = LogLevel.Error, Message = "The analysis of alert {AlertName} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string alertName);
}
