using System.Runtime.InteropServices;

namespace Shop.Dashboard.Store;

/// <summary>
/// Spans in memory, bounded: a ring of <see cref="SpanRecord"/> slots addressed by sequence number,
/// the oldest overwritten first. Indexes (trace id, service, operation, attribute key=value) are
/// chains through the slots: each index entry holds its newest span and a count, each span the
/// distance back to the previous span of the same entry. Evicting a span only decrements counts,
/// so memory is the ring plus one small entry per distinct key, and every index stays consistent.
/// </summary>
internal sealed class SpanStore(int capacity) : RecordRing<SpanRecord>(capacity)
{
    private readonly Dictionary<TraceId, IndexChain> _traces = [];
    private readonly Dictionary<OperationKey, OperationEntry> _operations = [];
    private readonly Dictionary<ulong, IndexChain> _attributes = [];
    private readonly Dictionary<SpanProcess, int> _processes = new(ReferenceEqualityComparer.Instance);

    /// <summary>Appends spans, evicting the oldest when full. The records' attribute arrays become the store's.</summary>
    public void Append(ReadOnlySpan<SpanRecord> spans) => AppendAll(spans);

    public SpanStoreStats Stats() => Read(() =>
        new SpanStoreStats(Count, Capacity, _traces.Count, ServiceIndex.Count, _operations.Count, _attributes.Count, Next, Evicted));

    /// <summary>The spans of a trace in start-time order; empty when unknown or evicted.</summary>
    public List<SpanRecord> GetTrace(TraceId traceId) => Read(() => CollectTrace(traceId));

    /// <summary>Distinct (operation, kind) pairs of a service, optionally of one kind, sorted by name.</summary>
    public List<(string Name, SpanKind Kind)> Operations(string service, SpanKind? kind = null) => Read(() =>
    {
        var result = new List<(string Name, SpanKind Kind)>();
        foreach (var (key, entry) in _operations)
        {
            if (!string.Equals(key.Service, service, StringComparison.Ordinal))
            {
                continue;
            }

            for (var k = 0; k < entry.KindCounts.Length; k++)
            {
                if (entry.KindCounts[k] > 0 && (kind is null || (int)kind == k))
                {
                    result.Add((key.Name, (SpanKind)k));
                }
            }
        }

        result.Sort((a, b) => a.Name != b.Name ? string.CompareOrdinal(a.Name, b.Name) : a.Kind.CompareTo(b.Kind));
        return result;
    });

    /// <summary>
    /// Traces with at least one span matching every condition of <paramref name="query"/> (Jaeger's
    /// semantics), most recently received first, each with all its spans.
    /// </summary>
    public List<List<SpanRecord>> FindTraces(TraceQuery query) => Read(() => FindTraceIds(query).Select(CollectTrace).ToList());

    /// <summary>Calls between services: pairs of a span and its parent in another service, for spans starting in the window.</summary>
    public Dictionary<(string Parent, string Child), long> Dependencies(long startUnixNano, long endUnixNano) => Read(() =>
    {
        var links = new Dictionary<(string, string), long>();
        for (var seq = Next - 1; seq >= Oldest; seq--)
        {
            ref readonly var span = ref Slot(seq);
            if (span.ParentSpanId == 0 || span.StartUnixNano < startUnixNano || span.StartUnixNano > endUnixNano)
            {
                continue;
            }

            if (FindInTrace(span.TraceId, span.ParentSpanId) is { } parent
                && !string.Equals(parent.ServiceName, span.ServiceName, StringComparison.Ordinal))
            {
                ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(links, (parent.ServiceName, span.ServiceName), out _);
                count++;
            }
        }

        return links;
    });

    protected override void Index(ref SpanRecord span, long seq)
    {
        span.PrevInTrace = IndexChain.Link(_traces, span.TraceId, seq);
        span.PrevInService = IndexChain.Link(ServiceIndex, span.ServiceName, seq);
        ref var operation = ref CollectionsMarshal.GetValueRefOrAddDefault(_operations, new OperationKey(span.ServiceName, span.Name), out _);
        operation ??= new OperationEntry();
        span.PrevInOperation = IndexChain.Link(ref operation.Chain, seq);
        operation.KindCounts[(int)span.Kind]++;
        CollectionsMarshal.GetValueRefOrAddDefault(_processes, span.Process, out _)++;
        IndexAttributes(span, seq);
    }

    protected override void Unindex(ref SpanRecord span)
    {
        IndexChain.Unlink(_traces, span.TraceId);
        IndexChain.Unlink(ServiceIndex, span.ServiceName);
        var key = new OperationKey(span.ServiceName, span.Name);
        var operation = _operations[key];
        operation.KindCounts[(int)span.Kind]--;
        if (--operation.Chain.Count == 0)
        {
            _operations.Remove(key);
        }

        ref var processCount = ref CollectionsMarshal.GetValueRefOrNullRef(_processes, span.Process);
        if (--processCount == 0)
        {
            _processes.Remove(span.Process);
        }

        ForEachIndexed(span, static (store, hash) => IndexChain.Unlink(store._attributes, hash));
    }

    /// <summary>Indexes span and event attributes with short string, bool or integer values; each key=value once per span.</summary>
    private void IndexAttributes(SpanRecord span, long seq)
    {
        Span<ulong> seen = stackalloc ulong[AttributeIndex.MaxIndexedPerSpan];
        var count = 0;
        IndexArray(span.Attributes, seq, seen, ref count);
        if (span.Details is { } details)
        {
            foreach (var spanEvent in details.Events)
            {
                IndexArray(spanEvent.Attributes, seq, seen, ref count);
            }
        }
    }

    private void IndexArray(StoredAttribute[] attributes, long seq, Span<ulong> seen, ref int count)
    {
        for (var i = 0; i < attributes.Length; i++)
        {
            ref var attribute = ref attributes[i];
            if (count == seen.Length || !AttributeIndex.TryHash(attribute, out var hash) || seen[..count].Contains(hash))
            {
                attribute.IndexLink = -1;
                continue;
            }

            seen[count++] = hash;
            attribute.IndexLink = IndexChain.Link(_attributes, hash, seq);
        }
    }

    private void ForEachIndexed(in SpanRecord span, Action<SpanStore, ulong> action)
    {
        foreach (var attribute in span.Attributes)
        {
            if (attribute.IndexLink >= 0 && AttributeIndex.TryHash(attribute, out var hash))
            {
                action(this, hash);
            }
        }

        if (span.Details is { } details)
        {
            foreach (var spanEvent in details.Events)
            {
                foreach (var attribute in spanEvent.Attributes)
                {
                    if (attribute.IndexLink >= 0 && AttributeIndex.TryHash(attribute, out var hash))
                    {
                        action(this, hash);
                    }
                }
            }
        }
    }

    private List<SpanRecord> CollectTrace(TraceId traceId)
    {
        var spans = new List<SpanRecord>();
        if (!_traces.TryGetValue(traceId, out var chain))
        {
            return spans;
        }

        var oldest = Oldest;
        for (var seq = chain.Head; seq >= oldest;)
        {
            ref readonly var span = ref Slot(seq);
            spans.Add(span);
            if (span.PrevInTrace == 0)
            {
                break;
            }

            seq -= span.PrevInTrace;
        }

        spans.Sort(static (a, b) => a.StartUnixNano != b.StartUnixNano ? a.StartUnixNano.CompareTo(b.StartUnixNano) : a.SpanId.CompareTo(b.SpanId));
        return spans;
    }

    private SpanRecord? FindInTrace(TraceId traceId, ulong spanId)
    {
        if (!_traces.TryGetValue(traceId, out var chain))
        {
            return null;
        }

        var oldest = Oldest;
        for (var seq = chain.Head; seq >= oldest;)
        {
            ref readonly var span = ref Slot(seq);
            if (span.SpanId == spanId)
            {
                return span;
            }

            if (span.PrevInTrace == 0)
            {
                break;
            }

            seq -= span.PrevInTrace;
        }

        return null;
    }

    private List<TraceId> FindTraceIds(TraceQuery query)
    {
        var found = new List<TraceId>();
        if (!ServiceIndex.TryGetValue(query.Service, out var serviceChain))
        {
            return found;
        }

        // Walk the smallest chain that every matching span must be on.
        var plan = ChainPlan.Service(serviceChain);
        if (query.Operation is not null)
        {
            if (!_operations.TryGetValue(new OperationKey(query.Service, query.Operation), out var operation))
            {
                return found;
            }

            plan = ChainPlan.Operation(operation.Chain);
        }

        foreach (var (key, value) in query.Tags)
        {
            if (!AttributeIndex.CanUseFor(key, value) || AnyProcessHas(query.Service, key, value))
            {
                continue;
            }

            var hash = AttributeIndex.Hash(key, value);
            if (!_attributes.TryGetValue(hash, out var attributeChain))
            {
                return found;
            }

            if (attributeChain.Count < plan.Chain.Count)
            {
                plan = ChainPlan.Attribute(attributeChain, key, value, hash);
            }
        }

        var seen = new HashSet<TraceId>();
        var oldest = Oldest;
        for (var seq = plan.Chain.Head; seq >= oldest && found.Count < query.Limit;)
        {
            ref readonly var span = ref Slot(seq);
            if (!seen.Contains(span.TraceId) && SpanMatcher.Matches(span, query))
            {
                seen.Add(span.TraceId);
                found.Add(span.TraceId);
            }

            var link = plan.Next(span);
            if (link <= 0)
            {
                break;
            }

            seq -= link;
        }

        return found;
    }

    /// <summary>Resource attributes match every span of their resource, so a tag they satisfy cannot narrow the walk.</summary>
    private bool AnyProcessHas(string service, string key, string value)
    {
        foreach (var process in _processes.Keys)
        {
            if (string.Equals(process.ServiceName, service, StringComparison.Ordinal) && process.Has(key, value))
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct OperationKey(string Service, string Name);

    private sealed class OperationEntry
    {
        public IndexChain Chain;
        public readonly int[] KindCounts = new int[6];
    }

    /// <summary>Which chain a search walks, and how to step back along it.</summary>
    private readonly struct ChainPlan
    {
        private readonly int _which;
        private readonly string? _key;
        private readonly string? _value;
        private readonly ulong _hash;

        private ChainPlan(int which, IndexChain chain, string? key = null, string? value = null, ulong hash = 0)
        {
            _which = which;
            Chain = chain;
            _key = key;
            _value = value;
            _hash = hash;
        }

        public IndexChain Chain { get; }

        public static ChainPlan Service(IndexChain chain) => new(0, chain);

        public static ChainPlan Operation(IndexChain chain) => new(1, chain);

        public static ChainPlan Attribute(IndexChain chain, string key, string value, ulong hash) => new(2, chain, key, value, hash);

        public int Next(in SpanRecord span) => _which switch
        {
            0 => span.PrevInService,
            1 => span.PrevInOperation,
            _ => AttributeIndex.LinkOf(span, _key!, _value!, _hash),
        };
    }
}

internal sealed record SpanStoreStats(int Spans, int Capacity, int Traces, int Services, int Operations, int IndexedAttributeValues, long Received, long Evicted);
