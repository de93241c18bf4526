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
internal sealed class LogStore : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly int _capacity;
    private LogEntry[] _slots;
    private long _next;
    private long _evicted;
    private readonly Dictionary<TraceId, IndexChain> _traces = [];
    private readonly Dictionary<string, IndexChain> _services = new(StringComparer.Ordinal);

    public LogStore(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _slots = new LogEntry[Math.Min(capacity, 4096)];
    }

    public void Append(ReadOnlySpan<LogEntry> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            // Exporters group records by scope; stored in time order, a batch reads newest first.
            var ordered = entries.ToArray();
            Array.Sort(ordered, static (a, b) => a.TimeUnixNano.CompareTo(b.TimeUnixNano));
            foreach (var entry in ordered)
            {
                AppendOne(entry);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public LogStoreStats Stats()
    {
        _lock.EnterReadLock();
        try
        {
            return new LogStoreStats((int)(_next - Oldest), _capacity, _next, _evicted);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Services that have stored log records, sorted.</summary>
    public List<string> Services()
    {
        _lock.EnterReadLock();
        try
        {
            var services = _services.Keys.ToList();
            services.Sort(StringComparer.Ordinal);
            return services;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Matching records, newest first, each with its sequence number (the cursor for the next page).</summary>
    public List<(long Seq, LogEntry Entry)> Find(LogQuery query)
    {
        _lock.EnterReadLock();
        try
        {
            var result = new List<(long Seq, LogEntry Entry)>(Math.Min(query.Limit, 1000));
            var oldest = Oldest;

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
                if (!_services.TryGetValue(service, out var chain))
                {
                    return result;
                }

                (seq, step) = (chain.Head, static e => e.PrevInService);
            }
            else
            {
                (seq, step) = (_next - 1, static _ => 1);
            }

            while (seq >= oldest && result.Count < query.Limit)
            {
                ref readonly var entry = ref _slots[seq % _capacity];
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
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Dispose() => _lock.Dispose();

    private long Oldest => Math.Max(0, _next - _capacity);

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

    private void AppendOne(LogEntry entry)
    {
        var seq = _next;
        if (seq >= _capacity)
        {
            Evict(seq - _capacity);
        }
        else if (seq == _slots.Length)
        {
            Array.Resize(ref _slots, (int)Math.Min(_capacity, (long)_slots.Length * 2));
        }

        entry.PrevInTrace = entry.TraceId.IsEmpty ? 0 : IndexChain.Link(_traces, entry.TraceId, seq);
        entry.PrevInService = IndexChain.Link(_services, entry.ServiceName, seq);
        _slots[seq % _capacity] = entry;
        _next = seq + 1;
    }

    private void Evict(long seq)
    {
        ref var entry = ref _slots[seq % _capacity];
        if (!entry.TraceId.IsEmpty)
        {
            IndexChain.Unlink(_traces, entry.TraceId);
        }

        IndexChain.Unlink(_services, entry.ServiceName);
        entry = default;
        _evicted++;
    }
}

internal sealed record LogStoreStats(int Records, int Capacity, long Received, long Evicted);
