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
/// A kept trace is also forwarded when it has an error, is slow, or the budget of
/// <see cref="ForwardOptions.NormalTracesPerSecond"/> (when set) has room; the others are only stored.
/// Spans arriving after the decision follow it. Waiting spans are bounded: past the limit the
/// oldest traces are decided early.
/// </summary>
internal sealed class TailSampler : IDisposable
{
    private const int RememberedDecisions = 200_000;

    private readonly TailSamplingOptions _options;
    private readonly SpanSink _sink;
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
    private int _pendingSpans;
    private readonly SamplingCounters _counters = new();

    public TailSampler(IOptions<DashboardOptions> options, SpanSink sink, TimeProvider time)
    {
        _options = options.Value.TailSampling;
        _sink = sink;
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

                if (!_pending.TryGetValue(traceId, out var trace))
                {
                    trace = new PendingTrace(now + Ticks(_options.MaxTraceWait));
                    _pending.Add(traceId, trace);
                    _arrivalOrder.Enqueue(traceId);
                }

                trace.Add(span, now + Ticks(_options.DecisionWait));
                _pendingSpans++;
            }

            while (_pendingSpans > _options.MaxPendingSpans && _arrivalOrder.TryDequeue(out var oldest))
            {
                if (_pending.Remove(oldest, out var trace))
                {
                    _counters.DecidedEarly++;
                    DecideLocked(oldest, trace, ref kept);
                }
            }
        }

        if (kept is not null)
        {
            _sink.Keep(kept);
        }
    }

    public SamplingStats Stats()
    {
        lock (_lock)
        {
            return _counters.Snapshot(_pending.Count, _pendingSpans);
        }
    }

    /// <summary>Decides every trace whose wait is over; runs on a timer.</summary>
    internal void DecideDue()
    {
        List<PendingSpan>? kept = null;
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
                DecideLocked(traceId, trace!, ref kept);
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

        if (kept is not null)
        {
            _sink.Keep(kept);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void DecideLocked(TraceId traceId, PendingTrace trace, ref List<PendingSpan>? kept)
    {
        _pendingSpans -= trace.Spans.Count;
        var verdict = Decide(trace.HasError, trace.DurationNano, traceId, _options);
        if (verdict == SamplingVerdict.Drop && _budget.TryTake(_time.GetTimestamp()))
        {
            verdict = SamplingVerdict.KeepBudget;
        }

        _counters.Count(verdict, trace.Spans.Count);
        var fate = verdict == SamplingVerdict.Drop ? TraceFate.Dropped
            : verdict is SamplingVerdict.KeepError or SamplingVerdict.KeepSlow || _forwardBudget is null || _forwardBudget.TryTake(_time.GetTimestamp()) ? TraceFate.Forwarded
            : TraceFate.Stored;
        if (fate == TraceFate.Forwarded)
        {
            (kept ??= []).AddRange(trace.Spans);
        }
        else if (fate == TraceFate.Stored)
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

        public long Deadline { get; private set; } = maxDeadline;

        public bool HasError { get; private set; }

        public long DurationNano => _end - _start;

        private long _start = long.MaxValue;
        private long _end = long.MinValue;

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

        public SamplingStats Snapshot(int pendingTraces, int pendingSpans) => new(
            KeptError, KeptSlow, KeptRatio, KeptBudget, Dropped, SpansKept, SpansDropped,
            LateSpansKept, LateSpansDropped, LateErrorSpansDropped, DecidedEarly, NotForwarded, pendingTraces, pendingSpans);
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
    int PendingTraces,
    int PendingSpans);
