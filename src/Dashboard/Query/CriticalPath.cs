using Shop.Dashboard.Store;

namespace Shop.Dashboard.Query;

/// <summary>One stretch of the critical path: the span that was doing the work between two instants.</summary>
internal readonly record struct CriticalSegment(ulong SpanId, long StartUnixNano, long EndUnixNano)
{
    public long DurationNano => EndUnixNano - StartUnixNano;
}

/// <summary>
/// The critical path of a trace: walking back from the root's end, the work the root was waiting on at
/// each instant. At every point the path is in the child that finished last before that point (clipped
/// to it); between children it is the parent's own (self) time. Children that overran their parent are
/// clipped to it. This is what a trace view marks, and what root-cause analysis weighs (self time on the path).
/// </summary>
internal static class CriticalPath
{
    private const int MaxDepth = 256;

    /// <summary>Segments from the latest to the earliest, one per stretch of time; empty without spans.</summary>
    public static List<CriticalSegment> Compute(IReadOnlyList<SpanRecord> spans)
    {
        var segments = new List<CriticalSegment>();
        if (spans.Count == 0)
        {
            return segments;
        }

        var ids = new HashSet<ulong>(spans.Select(s => s.SpanId));
        var children = new Dictionary<ulong, List<SpanRecord>>();
        foreach (var span in spans)
        {
            if (span.ParentSpanId != 0 && ids.Contains(span.ParentSpanId))
            {
                if (!children.TryGetValue(span.ParentSpanId, out var list))
                {
                    children[span.ParentSpanId] = list = [];
                }

                list.Add(span);
            }
        }

        foreach (var list in children.Values)
        {
            list.Sort(static (a, b) => b.EndUnixNano.CompareTo(a.EndUnixNano));
        }

        // The root: a span without a parent in the trace; the longest one if several (orphans).
        var root = spans.Where(s => s.ParentSpanId == 0 || !ids.Contains(s.ParentSpanId)).MaxBy(s => s.DurationNano);
        Walk(root, root.EndUnixNano, children, segments, depth: 0);
        return segments;
    }

    /// <summary>Total time each span spends on the path itself (its self time on the critical path).</summary>
    public static Dictionary<ulong, long> SelfTime(IEnumerable<CriticalSegment> segments)
    {
        var totals = new Dictionary<ulong, long>();
        foreach (var segment in segments)
        {
            totals[segment.SpanId] = totals.GetValueOrDefault(segment.SpanId) + segment.DurationNano;
        }

        return totals;
    }

    private static void Walk(in SpanRecord span, long end, Dictionary<ulong, List<SpanRecord>> children, List<CriticalSegment> segments, int depth)
    {
        var cursor = Math.Min(end, span.EndUnixNano);
        if (depth < MaxDepth && children.TryGetValue(span.SpanId, out var list))
        {
            foreach (var child in list)
            {
                if (cursor <= span.StartUnixNano)
                {
                    break;
                }

                // Skip children that started after the cursor (they ran beside one already on the path)
                // or ended before the parent began.
                if (child.StartUnixNano >= cursor || child.EndUnixNano <= span.StartUnixNano)
                {
                    continue;
                }

                var childEnd = Math.Min(child.EndUnixNano, cursor);
                if (childEnd < cursor)
                {
                    segments.Add(new CriticalSegment(span.SpanId, childEnd, cursor));
                }

                Walk(child, childEnd, children, segments, depth + 1);
                cursor = Math.Max(child.StartUnixNano, span.StartUnixNano);
            }
        }

        if (cursor > span.StartUnixNano)
        {
            segments.Add(new CriticalSegment(span.SpanId, span.StartUnixNano, cursor));
        }
    }
}
