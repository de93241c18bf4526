using System.Runtime.InteropServices;
using Shop.Conventions;
using Shop.Dashboard.Query;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Alerts;

/// <summary>What the analysis is asked for: the alerting service, the window, and whether the alert is about latency.</summary>
internal sealed record RcaRequest(string Service, long StartUnixNano, long EndUnixNano, bool LatencyAlert = false);

/// <summary>
/// Root-cause analysis over stored traces, a pure function of the traces it is given. The bad traces are
/// the erroring ones (a span with error status) plus the slowest tenth. Over them it finds the operation
/// that dominates (self time on each trace's critical path, grouped by service and the service's
/// operation enclosing the span, compared with the other traces), where errors originate (the deepest
/// error spans: in error, with no child in error), and the span attributes bad traces have in common
/// (share of bad traces against share of all traces: the lift). The cause is the top error origin,
/// or the dominant operation for a latency alert or when nothing errs.
/// </summary>
internal static class RootCauseAnalysis
{
    /// <summary>The slowest tenth of the traces counts as slow (at least one trace).</summary>
    public const double SlowFraction = 0.1;

    /// <summary>An attribute is common to the bad traces when at least this share of them has it...</summary>
    public const double MinCoverage = 0.5;

    /// <summary>...and it is this much more frequent among them than among all traces.</summary>
    public const double MinLift = 1.2;

    private const int MaxAttributeValueLength = 128;
    private const int TopRows = 5;
    private const int MaxSamples = 10;

    public static RcaReport Analyze(RcaRequest request, IReadOnlyList<IReadOnlyList<SpanRecord>> traces, DateTimeOffset analysedAt)
    {
        // Start-up work (each service's migration trace) is slow by nature and no symptom of a fault.
        var summaries = traces.Where(t => t.Count > 0).Select(TraceFacts.Of).Where(t => t.Root.Scope.Name != TelemetrySources.Data).ToList();
        var slowThreshold = SlowThreshold(summaries);
        var bad = summaries.Where(t => t.IsError || t.DurationNano >= slowThreshold).ToList();
        var good = summaries.Where(t => !(t.IsError || t.DurationNano >= slowThreshold)).ToList();
        var errorTraces = summaries.Count(t => t.IsError);

        var dominant = DominantOperations(bad, good);
        var origins = ErrorOrigins(summaries.Where(t => t.IsError).ToList());
        var common = CommonAttributes(bad, summaries);
        var cause = ChooseCause(request, dominant, origins, bad.Count);

        var samples = summaries.Where(t => t.IsError).OrderByDescending(t => t.DurationNano).Take(MaxSamples / 2)
            .Concat(bad.OrderByDescending(t => t.DurationNano))
            .DistinctBy(t => t.TraceId)
            .Take(MaxSamples)
            .Select(t => new RcaTrace(t.TraceId.ToHex(), t.Root.ServiceName, t.Root.Name, t.Root.StartUnixNano / 1000, t.DurationNano / 1000, t.IsError, t.Spans.Count))
            .ToList();

        return new RcaReport(
            request.Service,
            request.StartUnixNano / 1000,
            request.EndUnixNano / 1000,
            analysedAt.ToUnixTimeMilliseconds() * 1000,
            summaries.Count,
            errorTraces,
            bad.Count - bad.Count(t => t.IsError),
            summaries.Count == 0 ? 0 : slowThreshold / 1000,
            cause,
            Summarize(request, cause, summaries.Count, bad.Count, common),
            dominant.Take(TopRows).ToList(),
            origins.Take(TopRows).ToList(),
            common,
            samples);
    }

    /// <summary>The duration at which the slowest <see cref="SlowFraction"/> begins (nearest rank), above the median.</summary>
    private static long SlowThreshold(List<TraceFacts> traces)
    {
        if (traces.Count == 0)
        {
            return long.MaxValue;
        }

        // Slow also means slower than the median: when all traces take as long, none is slow.
        var durations = traces.Select(t => t.DurationNano).Order().ToArray();
        var slowCount = Math.Max(1, (int)Math.Ceiling(durations.Length * SlowFraction));
        var median = durations[(durations.Length - 1) / 2];
        return Math.Max(durations[durations.Length - slowCount], median + 1);
    }

    /// <summary>Critical-path self time per (service, operation), mean per bad trace, against the mean over the other traces.</summary>
    private static List<RcaOperation> DominantOperations(List<TraceFacts> bad, List<TraceFacts> good)
    {
        if (bad.Count == 0)
        {
            return [];
        }

        var badTimes = SelfTimes(bad, out var spanTimes);
        var goodTimes = SelfTimes(good, out _);
        var badPathTotal = badTimes.Values.Sum();
        return badTimes
            .Select(p =>
            {
                var mean = p.Value / bad.Count;
                var baseline = good.Count == 0 ? 0 : goodTimes.GetValueOrDefault(p.Key) / good.Count;
                var topSpan = spanTimes[p.Key].MaxBy(s => s.Value).Key;
                return new RcaOperation(p.Key.Service, p.Key.Operation, topSpan, mean / 1000, baseline / 1000,
                    badPathTotal == 0 ? 0 : (double)p.Value / badPathTotal);
            })
            .OrderByDescending(o => o.SelfTime - o.Baseline)
            .ThenBy(o => o.Service, StringComparer.Ordinal)
            .ThenBy(o => o.Operation, StringComparer.Ordinal)
            .ToList();
    }

    private static Dictionary<OperationKey, long> SelfTimes(List<TraceFacts> traces, out Dictionary<OperationKey, Dictionary<string, long>> bySpan)
    {
        var totals = new Dictionary<OperationKey, long>();
        bySpan = [];
        foreach (var trace in traces)
        {
            foreach (var (spanId, self) in CriticalPath.SelfTime(CriticalPath.Compute(trace.Spans)))
            {
                var span = trace.ById[spanId];
                var key = new OperationKey(span.ServiceName, trace.OperationOf(span));
                CollectionsMarshal.GetValueRefOrAddDefault(totals, key, out _) += self;
                ref var spans = ref CollectionsMarshal.GetValueRefOrAddDefault(bySpan, key, out _);
                spans ??= new Dictionary<string, long>(StringComparer.Ordinal);
                CollectionsMarshal.GetValueRefOrAddDefault(spans, span.Name, out _) += self;
            }
        }

        return totals;
    }

    /// <summary>Per erroring trace, its deepest error spans (no child in error), counted once per trace and (service, span).</summary>
    private static List<RcaErrorOrigin> ErrorOrigins(List<TraceFacts> erroring)
    {
        var counts = new Dictionary<(string Service, string Operation, string Span), (int Traces, string? Message, string? ErrorType)>();
        foreach (var trace in erroring)
        {
            var seen = new HashSet<(string, string, string)>();
            foreach (var span in trace.Spans)
            {
                if (!IsFault(span) || trace.HasErrorChild(span.SpanId))
                {
                    continue;
                }

                var key = (span.ServiceName, trace.OperationOf(span), span.Name);
                if (seen.Add(key))
                {
                    var entry = counts.GetValueOrDefault(key);
                    counts[key] = (entry.Traces + 1, entry.Message ?? span.Details?.StatusMessage, entry.ErrorType ?? AttributeText(span, "error.type"));
                }
            }
        }

        return counts
            .Select(p => new RcaErrorOrigin(p.Key.Service, p.Key.Operation, p.Key.Span, p.Value.Traces, (double)p.Value.Traces / erroring.Count, p.Value.Message, p.Value.ErrorType))
            .OrderByDescending(o => o.Traces)
            .ThenBy(o => o.Service, StringComparer.Ordinal)
            .ThenBy(o => o.Span, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Span attributes (short strings, numbers, booleans) found in most bad traces and over-represented among them.</summary>
    private static List<RcaAttribute> CommonAttributes(List<TraceFacts> bad, List<TraceFacts> all)
    {
        if (bad.Count == 0)
        {
            return [];
        }

        var inAll = new Dictionary<(string Key, string Value), int>();
        var inBad = new Dictionary<(string Key, string Value), int>();
        var badIds = bad.Select(t => t.TraceId).ToHashSet();
        foreach (var trace in all)
        {
            var isBad = badIds.Contains(trace.TraceId);
            foreach (var pair in trace.AttributePairs())
            {
                CollectionsMarshal.GetValueRefOrAddDefault(inAll, pair, out _)++;
                if (isBad)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(inBad, pair, out _)++;
                }
            }
        }

        var minTraces = Math.Max(Math.Min(2, bad.Count), (int)Math.Ceiling(bad.Count * MinCoverage));
        return inBad
            .Where(p => p.Value >= minTraces)
            .Select(p =>
            {
                var coverage = (double)p.Value / bad.Count;
                var lift = coverage / ((double)inAll[p.Key] / all.Count);
                return new RcaAttribute(p.Key.Key, p.Key.Value, p.Value, inAll[p.Key], coverage, lift);
            })
            .Where(a => a.Lift >= MinLift)
            .OrderByDescending(a => a.Lift * a.Coverage)
            .ThenBy(a => a.Key, StringComparer.Ordinal)
            .ThenBy(a => a.Value, StringComparer.Ordinal)
            .Take(TopRows * 2)
            .ToList();
    }

    private static RcaCause? ChooseCause(RcaRequest request, List<RcaOperation> dominant, List<RcaErrorOrigin> origins, int badTraces)
    {
        if (origins.Count > 0 && !request.LatencyAlert)
        {
            var origin = origins[0];
            return new RcaCause(origin.Service, origin.Operation, origin.Span, RcaCause.Errors,
                $"errors originate in {origin.Span} ({origin.Service}) in {origin.Traces} erroring trace(s)");
        }

        if (dominant.Count > 0)
        {
            var top = dominant[0];
            return new RcaCause(top.Service, top.Operation, top.Span, RcaCause.Latency,
                $"{top.Share:P0} of the critical path of {badTraces} bad trace(s), mostly in {top.Span}");
        }

        return origins.Count > 0
            ? new RcaCause(origins[0].Service, origins[0].Operation, origins[0].Span, RcaCause.Errors, $"errors originate in {origins[0].Span}")
            : null;
    }

    private static string Summarize(RcaRequest request, RcaCause? cause, int traces, int bad, List<RcaAttribute> common)
    {
        if (traces == 0)
        {
            return $"No traces of {request.Service} in the window.";
        }

        if (cause is null)
        {
            return $"{traces} trace(s) of {request.Service} analysed; nothing stands out.";
        }

        var attributes = common.Count == 0 ? "" : "; bad traces share " + string.Join(", ", common.Take(3).Select(a => $"{a.Key}={a.Value}"));
        return $"Likely cause: {cause.Service} {cause.Operation} ({cause.Evidence}); {bad} of {traces} trace(s) of {request.Service} bad{attributes}.";
    }

    private static string? AttributeText(in SpanRecord span, string key)
    {
        foreach (ref readonly var attribute in span.Attributes.AsSpan())
        {
            if (string.Equals(attribute.Key, key, StringComparison.Ordinal))
            {
                return attribute.ValueText;
            }
        }

        return null;
    }

    private readonly record struct OperationKey(string Service, string Operation);

    /// <summary>
    /// A span in error that is a fault of the suite. Not a fault: an HTTP 4xx answer other than 408 and 429 (the
    /// request was wrong: a client span in error on a 404 from users, say), and a gRPC answer that is the caller's
    /// (<see cref="RpcStatusCodes.IsServerFault"/>: a code the semantic conventions give the caller, or UNIMPLEMENTED for
    /// a method the server does not serve).
    /// </summary>
    internal static bool IsFault(SpanRecord span)
    {
        if (!span.IsError)
        {
            return false;
        }

        string? rpcCode = null, rpcMethod = null;
        foreach (var attribute in span.Attributes)
        {
            if (attribute is { Key: TelemetryAttributes.HttpResponseStatusCode, Kind: ValueKind.Int, Bits: >= 400 and < 500 and not 408 and not 429 })
            {
                return false;
            }

            if (attribute.Key == TelemetryAttributes.RpcResponseStatusCode)
            {
                rpcCode = attribute.Text;
            }
            else if (attribute.Key == TelemetryAttributes.RpcMethod)
            {
                rpcMethod = attribute.Text;
            }
        }

        return rpcCode is null || RpcStatusCodes.IsServerFault(rpcCode, rpcMethod);
    }

    /// <summary>One trace prepared for the analysis: spans by id, its root, whether it has a fault.</summary>
    private sealed class TraceFacts
    {
        private readonly Dictionary<ulong, ulong> _errorParents = [];
        private readonly Dictionary<ulong, string> _operations = [];

        private TraceFacts(IReadOnlyList<SpanRecord> spans)
        {
            Spans = spans;
            ById = new Dictionary<ulong, SpanRecord>(spans.Count);
            foreach (var span in spans)
            {
                ById.TryAdd(span.SpanId, span);
            }

            Root = spans.Where(s => s.ParentSpanId == 0 || !ById.ContainsKey(s.ParentSpanId)).MaxBy(s => s.DurationNano);
            foreach (var span in spans)
            {
                if (IsFault(span) && span.ParentSpanId != 0)
                {
                    _errorParents[span.ParentSpanId] = span.SpanId;
                }
            }

            IsError = spans.Any(IsFault);
            DurationNano = Math.Max(Root.DurationNano, spans.Max(s => s.EndUnixNano) - spans.Min(s => s.StartUnixNano));
        }

        public IReadOnlyList<SpanRecord> Spans { get; }

        public Dictionary<ulong, SpanRecord> ById { get; }

        public SpanRecord Root { get; }

        public TraceId TraceId => Root.TraceId;

        public bool IsError { get; }

        public long DurationNano { get; }

        public static TraceFacts Of(IReadOnlyList<SpanRecord> spans) => new(spans);

        public bool HasErrorChild(ulong spanId) => _errorParents.ContainsKey(spanId);

        /// <summary>The operation of the service a span works for: its nearest server or consumer span in the same service (itself included), else its topmost ancestor in that service.</summary>
        public string OperationOf(in SpanRecord span)
        {
            if (_operations.TryGetValue(span.SpanId, out var known))
            {
                return known;
            }

            var current = span;
            for (var depth = 0; depth < 256; depth++)
            {
                if (current.Kind is SpanKind.Server or SpanKind.Consumer)
                {
                    break;
                }

                if (!ById.TryGetValue(current.ParentSpanId, out var parent) || !string.Equals(parent.ServiceName, span.ServiceName, StringComparison.Ordinal))
                {
                    break;
                }

                current = parent;
            }

            _operations[span.SpanId] = current.Name;
            return current.Name;
        }

        /// <summary>Distinct key=value pairs of its spans' attributes that can be compared between traces.</summary>
        public HashSet<(string Key, string Value)> AttributePairs()
        {
            var pairs = new HashSet<(string, string)>();
            foreach (var span in Spans)
            {
                foreach (ref readonly var attribute in span.Attributes.AsSpan())
                {
                    if (attribute.Kind is ValueKind.String or ValueKind.Int or ValueKind.Bool
                        && (attribute.Kind != ValueKind.String || attribute.Text is { Length: > 0 and <= MaxAttributeValueLength }))
                    {
                        pairs.Add((attribute.Key, attribute.ValueText));
                    }
                }
            }

            return pairs;
        }
    }
}
