namespace Shop.Dashboard.Alerts;

/// <summary>
/// A root-cause analysis as the API returns it. Times are Unix microseconds and durations microseconds,
/// as in Jaeger's API.
/// </summary>
internal sealed record RcaReport(
    string Service,
    long Start,
    long End,
    long AnalysedAt,
    int Traces,
    int ErrorTraces,
    int SlowTraces,
    long SlowThreshold,
    RcaCause? Cause,
    string Summary,
    IReadOnlyList<RcaOperation> DominantOperations,
    IReadOnlyList<RcaErrorOrigin> ErrorOrigins,
    IReadOnlyList<RcaAttribute> CommonAttributes,
    IReadOnlyList<RcaTrace> TraceSamples);

/// <summary>The likely cause: a service's operation, the span inside it that weighs most, and why (errors or latency).</summary>
internal sealed record RcaCause(string Service, string Operation, string Span, string Kind, string Evidence)
{
    public const string Errors = "errors";
    public const string Latency = "latency";
}

/// <summary>Mean self time on the critical path per bad trace, against the mean per other trace (baseline); share of the bad traces' paths.</summary>
internal sealed record RcaOperation(string Service, string Operation, string Span, long SelfTime, long Baseline, double Share);

/// <summary>Erroring traces in which this span is the deepest in error; share of all erroring traces.</summary>
internal sealed record RcaErrorOrigin(string Service, string Operation, string Span, int Traces, double Share, string? StatusMessage, string? ErrorType);

/// <summary>An attribute of bad traces: how many bad and how many of all traces have it, coverage (share of bad ones) and lift (coverage / share of all).</summary>
internal sealed record RcaAttribute(string Key, string Value, int BadTraces, int AllTraces, double Coverage, double Lift);

/// <summary>A bad trace to look at: its root, start, duration and whether it errs.</summary>
internal sealed record RcaTrace(string TraceId, string Service, string Operation, long Start, long Duration, bool Error, int Spans);
