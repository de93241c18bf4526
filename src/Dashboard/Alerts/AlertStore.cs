namespace Shop.Dashboard.Alerts;

/// <summary>An alert as the dashboard keeps it: Alertmanager's latest word on it, and the latest analysis.</summary>
internal sealed record AlertEntry(
    string Id,
    string Fingerprint,
    string Status,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    string? GeneratorUrl,
    string Receiver,
    string? ExternalUrl,
    DateTimeOffset FirstReceivedAt,
    DateTimeOffset LastReceivedAt,
    int Notifications,
    RcaReport? Report,
    string? ReportProblem)
{
    public string AlertName => Labels.GetValueOrDefault("alertname") ?? "";

    /// <summary>The alerting service: label <c>service</c>, else <c>job</c> (Prometheus scrapes each service as its job).</summary>
    public string? Service => Labels.GetValueOrDefault("service") is { Length: > 0 } service ? service
        : Labels.GetValueOrDefault("job") is { Length: > 0 } job ? job : null;

    /// <summary>One entry per firing episode: the fingerprint (the label set) and when it started.</summary>
    public static string IdOf(string fingerprint, DateTimeOffset startsAt) => $"{fingerprint}-{startsAt.ToUnixTimeSeconds()}";
}

/// <summary>The alerts received, bounded: past the capacity the least recently notified alert is dropped.</summary>
internal sealed class AlertStore(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, AlertEntry> _alerts = new(StringComparer.Ordinal);

    public int Capacity { get; } = capacity;

    /// <summary>Records a notification of <paramref name="alert"/>; returns the entry as it now stands.</summary>
    public AlertEntry Record(ReceivedAlert alert, AlertNotification notification, DateTimeOffset now)
    {
        var id = AlertEntry.IdOf(alert.Fingerprint, alert.StartsAt);
        lock (_lock)
        {
            var entry = _alerts.TryGetValue(id, out var known)
                ? known with
                {
                    Status = alert.Status,
                    Labels = alert.Labels,
                    Annotations = alert.Annotations,
                    EndsAt = alert.EndsAt,
                    GeneratorUrl = alert.GeneratorUrl,
                    Receiver = notification.Receiver,
                    ExternalUrl = notification.ExternalUrl,
                    LastReceivedAt = now,
                    Notifications = known.Notifications + 1,
                }
                : new AlertEntry(id, alert.Fingerprint, alert.Status, alert.Labels, alert.Annotations, alert.StartsAt, alert.EndsAt,
                    alert.GeneratorUrl, notification.Receiver, notification.ExternalUrl, now, now, 1, null, null);
            _alerts[id] = entry;
            while (_alerts.Count > Capacity)
            {
                _alerts.Remove(_alerts.Values.MinBy(a => a.LastReceivedAt)!.Id);
            }

            return entry;
        }
    }

    /// <summary>Attaches an analysis (or why there is none) to an alert still kept.</summary>
    public void SetReport(string id, RcaReport? report, string? problem)
    {
        lock (_lock)
        {
            if (_alerts.TryGetValue(id, out var entry))
            {
                _alerts[id] = entry with { Report = report ?? entry.Report, ReportProblem = problem };
            }
        }
    }

    public AlertEntry? Get(string id)
    {
        lock (_lock)
        {
            return _alerts.GetValueOrDefault(id);
        }
    }

    /// <summary>Every alert kept, the most recently started first.</summary>
    public List<AlertEntry> All()
    {
        lock (_lock)
        {
            return [.. _alerts.Values.OrderByDescending(a => a.StartsAt).ThenBy(a => a.Id, StringComparer.Ordinal)];
        }
    }
}
