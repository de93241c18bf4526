using Microsoft.Extensions.Options;
using Shop.Dashboard.Ingest;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Sampling;

/// <summary>Why a trace was kept or dropped.</summary>
internal enum SamplingVerdict
{
    KeepError,
    KeepSlow,
    KeepRatio,
    KeepBudget,
    Drop,
}

/// <summary>
/// Tail-based sampling: spans wait per trace until the root span has arrived plus
/// <see cref="TailSamplingOptions.DecisionWait"/> (or <see cref="TailSamplingOptions.MaxTraceWait"/>
/// after the first span), then the whole trace is kept when it has an error span, lasted at least
/// <see cref="TailSamplingOptions.SlowThreshold"/>, its trace id falls in <see cref="TailSamplingOptions.KeepRatio"/>, or
/// the budget of <see cref="TailSamplingOptions.KeepAllPerSecond"/> normal traces has room.
/// A kept trace is also forwarded when its forward budget (when set) has room: <see cref="ForwardOptions.ErrorAndSlowTracesPerSecond"/>
/// for errors and slow traces, <see cref="ForwardOptions.NormalTracesPerSecond"/> for the others; the rest are only stored.
/// Spans arriving after the decision follow it, and so do log records offered to follow their trace
/// (<see cref="ForwardOptions.LogsFollowTraces"/>): forwarded only with a forwarded trace. Waiting spans and records are
/// bounded: past the limit the oldest traces are decided early.
/// </summary>
internal sealed class TailSampler : IDisposable
{
    private const int RememberedDecisions = 200_000;

    private readonly TailSamplingOptions _options;
    private readonly SpanSink _sink;
    private readonly LogSink _logs;
    private readonly TimeProvider _time;
    private readonly ulong _ratioThreshold;
    private readonly Lock _lock = new();
    private readonly Dictionary<TraceId, PendingTrace> _pending = [];
    private Queue<TraceId> _arrivalOrder = new();
    private readonly Dictionary<TraceId, TraceFate> _decided = [];
    private readonly Queue<TraceId> _decidedOrder = new();
    private readonly ITimer _timer;
    private readonly KeepBudget _budget;
    private readonly KeepBudget? _forwardBudget;
    private readonly KeepBudget? _errorAndSlowForwardBudget;
    private int _pendingSpans;
    private int _pendingLogs;
    private readonly SamplingCounters _counters = new();

    public TailSampler(IOptions<DashboardOptions> options, SpanSink sink, LogSink logs, TimeProvider time)
    {
        _options = options.Value.TailSampling;
        _sink = sink;
        _logs = logs;
        _time = time;
        _ratioThreshold = RatioThreshold(_options.KeepRatio);
        // Traces come due in clumps: a service exports its spans in batches (every 5 s by default), so the roots of one
        // batch, and their decisions DecisionWait later, arrive together. A bucket holding one second's worth would keep
        // 10 of a clump of 50 at 10 a second; holding DecisionWait's worth (longer than the batch delay) it keeps the rate.
        _budget = new KeepBudget(_options.KeepAllPerSecond, _options.DecisionWait, time.TimestampFrequency, time.GetTimestamp());
        if (sink.NeedsSources && options.Value.Forward.NormalTracesPerSecond is { } forwardRate)
        {
            _forwardBudget = new KeepBudget(forwardRate, _options.DecisionWait, time.TimestampFrequency, time.GetTimestamp());
        }

        if (sink.NeedsSources && options.Value.Forward.ErrorAndSlowTracesPerSecond is { } errorAndSlowRate)
        {
            _errorAndSlowForwardBudget = new KeepBudget(errorAndSlowRate, _options.DecisionWait, time.TimestampFrequency, time.GetTimestamp());
        }

        var tick = TimeSpan.FromMilliseconds(Math.Clamp(_options.DecisionWait.TotalMilliseconds / 4, 20, 250));
        _timer = time.CreateTimer(_ => DecideDue(), null, tick, tick);
    }

    /// <summary>The ratio decision alone: the trace id's random low 56 bits below ratio × 2^56 (consistent across instances).</summary>
    public static bool RatioKeeps(TraceId traceId, double ratio) => traceId.RandomPart < RatioThreshold(ratio);

    /// <summary>The verdict for a complete trace.</summary>
    public static SamplingVerdict Decide(bool hasError, long durationNano, TraceId traceId, TailSamplingOptions options) =>
        hasError ? SamplingVerdict.KeepError
        : durationNano >= (long)options.SlowThreshold.TotalNanoseconds ? SamplingVerdict.KeepSlow
        : RatioKeeps(traceId, options.KeepRatio) ? SamplingVerdict.KeepRatio
        : SamplingVerdict.Drop;

    /// <summary>Takes spans from a receiver; those of already decided traces are kept or dropped at once.</summary>
    public void Offer(List<PendingSpan> spans)
    {
        List<PendingSpan>? kept = null;
        List<OtlpLogSource>? logs = null;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            foreach (var span in spans)
            {
                var traceId = span.Record.TraceId;
                if (_decided.TryGetValue(traceId, out var fate))
                {
                    _counters.Late(fate != TraceFate.Dropped, span.Record.IsError);
                    if (fate != TraceFate.Dropped)
                    {
                        (kept ??= []).Add(fate == TraceFate.Forwarded ? span : span.StoredOnly());
                    }

                    continue;
                }

                PendingOf(traceId, now).Add(span, now + Ticks(_options.DecisionWait));
                _pendingSpans++;
            }

            DecideOverflowLocked(ref kept, ref logs);
        }

        Hand(kept, logs);
    }

    /// <summary>
    /// Takes log records on their way upstream: those that follow their trace (<see cref="ForwardedLog.FollowsTrace"/>) go
    /// once it is decided, and only if it is forwarded; the others go at once.
    /// </summary>
    public void OfferLogs(List<ForwardedLog> records)
    {
        List<PendingSpan>? kept = null;
        List<OtlpLogSource>? logs = null;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            foreach (var record in records)
            {
                if (!record.FollowsTrace)
                {
                    (logs ??= []).Add(record.Source);
                    continue;
                }

                if (_decided.TryGetValue(record.TraceId, out var fate))
                {
                    if (fate == TraceFate.Forwarded)
                    {
                        (logs ??= []).Add(record.Source);
                    }
                    else
                    {
                        _counters.LogRecordsNotForwarded++;
                    }

                    continue;
                }

                PendingOf(record.TraceId, now).AddLog(record.Source);
                _pendingLogs++;
            }

            DecideOverflowLocked(ref kept, ref logs);
        }

        Hand(kept, logs);
    }

    public SamplingStats Stats()
    {
        lock (_lock)
        {
            return _counters.Snapshot(_pending.Count, _pendingSpans, _pendingLogs);
        }
    }

    /// <summary>Decides every trace whose wait is over; runs on a timer.</summary>
    internal void DecideDue()
    {
        List<PendingSpan>? kept = null;
        List<OtlpLogSource>? logs = null;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            List<TraceId>? due = null;
            foreach (var (traceId, trace) in _pending)
            {
                if (trace.Deadline <= now)
                {
                    (due ??= []).Add(traceId);
                }
            }

            foreach (var traceId in due ?? [])
            {
                _pending.Remove(traceId, out var trace);
                DecideLocked(traceId, trace!, ref kept, ref logs);
            }

            while (_arrivalOrder.TryPeek(out var head) && !_pending.ContainsKey(head))
            {
                _arrivalOrder.Dequeue();
            }

            // A trace still waiting at the head keeps decided ones behind it: compact so the queue stays O(pending).
            if (_arrivalOrder.Count > (2 * _pending.Count) + 1024)
            {
                _arrivalOrder = new Queue<TraceId>(_arrivalOrder.Where(_pending.ContainsKey));
            }
        }

        Hand(kept, logs);
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>Hands decided spans to the store (and the forwarder) and log records to the forwarder, outside the lock.</summary>
    private void Hand(List<PendingSpan>? kept, List<OtlpLogSource>? logs)
    {
        if (kept is not null)
        {
            _sink.Keep(kept);
        }

        if (logs is not null)
        {
            _logs.Forward(logs);
        }
    }

    private PendingTrace PendingOf(TraceId traceId, long now)
    {
        if (!_pending.TryGetValue(traceId, out var trace))
        {
            trace = new PendingTrace(now + Ticks(_options.MaxTraceWait));
            _pending.Add(traceId, trace);
            _arrivalOrder.Enqueue(traceId);
        }

        return trace;
    }

    /// <summary>Past the limit of waiting spans and records, decides the oldest traces early.</summary>
    private void DecideOverflowLocked(ref List<PendingSpan>? kept, ref List<OtlpLogSource>? logs)
    {
        while (_pendingSpans + _pendingLogs > _options.MaxPendingSpans && _arrivalOrder.TryDequeue(out var oldest))
        {
            if (_pending.Remove(oldest, out var trace))
            {
                _counters.DecidedEarly++;
                DecideLocked(oldest, trace, ref kept, ref logs);
            }
        }
    }

    private void DecideLocked(TraceId traceId, PendingTrace trace, ref List<PendingSpan>? kept, ref List<OtlpLogSource>? logs)
    {
        _pendingSpans -= trace.Spans.Count;
        _pendingLogs -= trace.Logs?.Count ?? 0;
        if (trace.Spans.Count == 0)
        {
            // Log records whose trace sent no span (yet): there is no trace to follow, so they go; a later span starts afresh.
            (logs ??= []).AddRange(trace.Logs ?? []);
            return;
        }

        var verdict = Decide(trace.HasError, trace.DurationNano, traceId, _options);
        if (verdict == SamplingVerdict.Drop && _budget.TryTake(_time.GetTimestamp()))
        {
            verdict = SamplingVerdict.KeepBudget;
        }

        _counters.Count(verdict, trace.Spans.Count);
        var forwardBudget = verdict is SamplingVerdict.KeepError or SamplingVerdict.KeepSlow ? _errorAndSlowForwardBudget : _forwardBudget;
        var fate = verdict == SamplingVerdict.Drop ? TraceFate.Dropped
            : forwardBudget is null || forwardBudget.TryTake(_time.GetTimestamp()) ? TraceFate.Forwarded
            : TraceFate.Stored;
        if (fate == TraceFate.Forwarded)
        {
            (kept ??= []).AddRange(trace.Spans);
            if (trace.Logs is not null)
            {
                (logs ??= []).AddRange(trace.Logs);
            }
        }
        else
        {
            _counters.LogRecordsNotForwarded += trace.Logs?.Count ?? 0;
        }

        if (fate == TraceFate.Stored)
        {
            _counters.NotForwarded++;
            kept ??= [];
            foreach (var span in trace.Spans)
            {
                kept.Add(span.StoredOnly());
            }
        }

        _decided[traceId] = fate;
        _decidedOrder.Enqueue(traceId);
        while (_decidedOrder.Count > RememberedDecisions)
        {
            _decided.Remove(_decidedOrder.Dequeue());
        }
    }

    private long Ticks(TimeSpan duration) => (long)(duration.TotalSeconds * _time.TimestampFrequency);

    private static ulong RatioThreshold(double ratio) =>
        ratio >= 1 ? ulong.MaxValue : ratio <= 0 ? 0 : (ulong)(ratio * (1UL << 56));

    /// <summary>What became of a decided trace: dropped, kept and forwarded, or kept in the store only.</summary>
    private enum TraceFate : byte
    {
        Dropped,
        Forwarded,
        Stored,
    }

    private sealed class PendingTrace(long maxDeadline)
    {
        public List<PendingSpan> Spans { get; } = [];

        /// <summary>Log records waiting to follow this trace upstream; most traces have none.</summary>
        public List<OtlpLogSource>? Logs { get; private set; }

        public long Deadline { get; private set; } = maxDeadline;

        public bool HasError { get; private set; }

        public long DurationNano => _end - _start;

        private long _start = long.MaxValue;
        private long _end = long.MinValue;

        public void AddLog(OtlpLogSource log) => (Logs ??= []).Add(log);

        public void Add(PendingSpan span, long rootDeadline)
        {
            Spans.Add(span);
            ref readonly var record = ref span.Record;
            HasError |= record.IsError;
            _start = Math.Min(_start, record.StartUnixNano);
            _end = Math.Max(_end, record.EndUnixNano);
            if (record.IsRoot)
            {
                Deadline = Math.Min(Deadline, rootDeadline);
            }
        }
    }

    private sealed class SamplingCounters
    {
        public long KeptError;
        public long KeptSlow;
        public long KeptRatio;
        public long KeptBudget;
        public long Dropped;
        public long SpansKept;
        public long SpansDropped;
        public long LateSpansKept;
        public long LateSpansDropped;
        public long LateErrorSpansDropped;
        public long DecidedEarly;
        public long NotForwarded;
        public long LogRecordsNotForwarded;

        public void Count(SamplingVerdict verdict, int spans)
        {
            switch (verdict)
            {
                case SamplingVerdict.KeepError: KeptError++; break;
                case SamplingVerdict.KeepSlow: KeptSlow++; break;
                case SamplingVerdict.KeepRatio: KeptRatio++; break;
                case SamplingVerdict.KeepBudget: KeptBudget++; break;
                default: Dropped++; break;
            }

            if (verdict == SamplingVerdict.Drop)
            {
                SpansDropped += spans;
            }
            else
            {
                SpansKept += spans;
            }
        }

        public void Late(bool kept, bool isError)
        {
            if (kept)
            {
                LateSpansKept++;
                SpansKept++;
            }
            else
            {
                LateSpansDropped++;
                SpansDropped++;
                LateErrorSpansDropped += isError ? 1 : 0;
            }
        }

        public SamplingStats Snapshot(int pendingTraces, int pendingSpans, int pendingLogRecords) => new(
            KeptError, KeptSlow, KeptRatio, KeptBudget, Dropped, SpansKept, SpansDropped,
            LateSpansKept, LateSpansDropped, LateErrorSpansDropped, DecidedEarly, NotForwarded, LogRecordsNotForwarded,
            pendingTraces, pendingSpans, pendingLogRecords);
    }
}

/// <summary>
/// Normal traces kept whatever their trace id: up to <c>perSecond</c> a second, with room for <paramref name="burst"/>'s
/// worth at once (a token bucket on <see cref="TimeProvider"/> timestamps). Not thread-safe: the sampler calls it under its lock.
/// </summary>
internal sealed class KeepBudget(double perSecond, TimeSpan burst, long timestampFrequency, long start)
{
    private readonly double _capacity = Math.Max(1, perSecond * Math.Max(1, burst.TotalSeconds));
    private double _tokens = perSecond > 0 ? Math.Max(1, perSecond * Math.Max(1, burst.TotalSeconds)) : 0;
    private long _last = start;

    public bool TryTake(long timestamp)
    {
        if (perSecond <= 0)
        {
            return false;
        }

        _tokens = Math.Min(_capacity, _tokens + (perSecond * (timestamp - _last) / timestampFrequency));
        _last = timestamp;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}

/// <summary>Sampling counters: traces kept by reason and dropped, spans, late arrivals, and what is still waiting.</summary>
internal sealed record SamplingStats(
    long TracesKeptError,
    long TracesKeptSlow,
    long TracesKeptRatio,
    long TracesKeptBudget,
    long TracesDropped,
    long SpansKept,
    long SpansDropped,
    long LateSpansKept,
    long LateSpansDropped,
    long LateErrorSpansDropped,
    long DecidedEarly,
    long TracesKeptNotForwarded,
    long LogRecordsNotForwarded,
    int PendingTraces,
    int PendingSpans,
    int PendingLogRecords);
