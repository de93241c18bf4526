namespace Shop.Dashboard.Store;

/// <summary>A stored log record; strings pooled, resource and scope shared, Prev* fields owned by the store's indexes.</summary>
internal struct LogEntry
{
    public long TimeUnixNano;
    public TraceId TraceId;
    public ulong SpanId;
    public SpanProcess Process;
    public SpanScope Scope;
    public string Body;
    public StoredAttribute[] Attributes;
    public string? SeverityText;
    public string? EventName;
    public byte SeverityNumber;

    internal int PrevInTrace;
    internal int PrevInService;

    public readonly string ServiceName => Process.ServiceName;
}

/// <summary>A log search: every condition given must hold; newest first, before an optional cursor.</summary>
internal sealed record LogQuery(
    TraceId? TraceId = null,
    ulong? SpanId = null,
    string? Service = null,
    int MinSeverity = 0,
    string? Text = null,
    long? Before = null,
    int Limit = 100);

/// <summary>Log records in memory: a bounded ring, oldest evicted first, indexed by trace id and service.</summary>
internal sealed class LogStore(int capacity) : RecordRing<LogEntry>(capacity)
{
    private readonly Dictionary<TraceId, IndexChain> _traces = [];

    /// <summary>Appends records, evicting the oldest when full.</summary>
    public void Append(ReadOnlySpan<LogEntry> entries)
    {
        // Exporters group records by scope; stored in time order, a batch reads newest first.
        var ordered = entries.ToArray();
        Array.Sort(ordered, static (a, b) => a.TimeUnixNano.CompareTo(b.TimeUnixNano));
        AppendAll(ordered);
    }

    public LogStoreStats Stats() => Read(() => new LogStoreStats(Count, Capacity, Next, Evicted));

    /// <summary>Matching records, newest first, each with its sequence number (the cursor for the next page).</summary>
    public List<(long Seq, LogEntry Entry)> Find(LogQuery query) => Read(() =>
    {
        var result = new List<(long Seq, LogEntry Entry)>(Math.Min(query.Limit, 1000));

        // Walk the trace chain, the service chain or everything, newest first.
        long seq;
        Func<LogEntry, int> step;
        if (query.TraceId is { } traceId)
        {
            if (!_traces.TryGetValue(traceId, out var chain))
            {
                return result;
            }

            (seq, step) = (chain.Head, static e => e.PrevInTrace);
        }
        else if (query.Service is { } service)
        {
            if (!ServiceIndex.TryGetValue(service, out var chain))
            {
                return result;
            }

            (seq, step) = (chain.Head, static e => e.PrevInService);
        }
        else
        {
            (seq, step) = (Math.Min(Next, query.Before ?? long.MaxValue) - 1, static _ => 1);
        }

        while (seq >= Oldest && result.Count < query.Limit)
        {
            ref readonly var entry = ref Slot(seq);
            if ((query.Before is not { } before || seq < before) && Matches(entry, query))
            {
                result.Add((seq, entry));
            }

            var link = step(entry);
            if (link <= 0)
            {
                break;
            }

            seq -= link;
        }

        // Pages follow arrival; within a page, records read newest first by their own time.
        result.Sort(static (a, b) => b.Entry.TimeUnixNano != a.Entry.TimeUnixNano ? b.Entry.TimeUnixNano.CompareTo(a.Entry.TimeUnixNano) : b.Seq.CompareTo(a.Seq));
        return result;
    });

    protected override void Index(ref LogEntry entry, long seq)
    {
        entry.PrevInTrace = entry.TraceId.IsEmpty ? 0 : IndexChain.Link(_traces, entry.TraceId, seq);
        entry.PrevInService = IndexChain.Link(ServiceIndex, entry.ServiceName, seq);
    }

    protected override void Unindex(ref LogEntry entry)
    {
        if (!entry.TraceId.IsEmpty)
        {
            IndexChain.Unlink(_traces, entry.TraceId);
        }

        IndexChain.Unlink(ServiceIndex, entry.ServiceName);
    }

    private static bool Matches(in LogEntry entry, LogQuery query)
    {
        if ((query.TraceId is { } traceId && entry.TraceId != traceId)
            || (query.SpanId is { } spanId && entry.SpanId != spanId)
            || (query.Service is { } service && !string.Equals(entry.ServiceName, service, StringComparison.Ordinal))
            || entry.SeverityNumber < query.MinSeverity)
        {
            return false;
        }

        if (string.IsNullOrEmpty(query.Text))
        {
            return true;
        }

        if (entry.Body.Contains(query.Text, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (ref readonly var attribute in entry.Attributes.AsSpan())
        {
            if (attribute.Text is { } text && text.Contains(query.Text, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed record LogStoreStats(int Records, int Capacity, long Received, long Evicted);
