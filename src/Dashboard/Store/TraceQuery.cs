namespace Shop.Dashboard.Store;

/// <summary>A trace search: a trace matches when one of its spans meets every condition (Jaeger's semantics).</summary>
internal sealed record TraceQuery(
    string Service,
    string? Operation,
    IReadOnlyDictionary<string, string> Tags,
    long MinDurationNano,
    long MaxDurationNano,
    long StartMinUnixNano,
    long StartMaxUnixNano,
    int Limit);

/// <summary>Tags Jaeger shows on a span that OTLP carries elsewhere: kind, status, scope, trace state, event names.</summary>
internal static class DerivedTags
{
    public const string SpanKind = "span.kind";
    public const string Error = "error";
    public const string StatusCode = "otel.status_code";
    public const string StatusDescription = "otel.status_description";
    public const string ScopeName = "otel.scope.name";
    public const string ScopeVersion = "otel.scope.version";
    public const string TraceState = "w3c.tracestate";

    /// <summary>The field of a Jaeger log (an OTLP span event) that holds the event name.</summary>
    public const string EventField = "event";

    public const string StatusOk = "OK";
    public const string StatusError = "ERROR";

    public static bool IsDerived(string key) => key is SpanKind or Error or StatusCode or StatusDescription or ScopeName or ScopeVersion or TraceState or EventField;

    /// <summary>Jaeger's span.kind values.</summary>
    public static string? KindName(Store.SpanKind kind) => kind switch
    {
        Store.SpanKind.Client => "client",
        Store.SpanKind.Server => "server",
        Store.SpanKind.Producer => "producer",
        Store.SpanKind.Consumer => "consumer",
        Store.SpanKind.Internal => "internal",
        _ => null,
    };

    public static Store.SpanKind? KindFromName(string? name) => name switch
    {
        "client" => Store.SpanKind.Client,
        "server" => Store.SpanKind.Server,
        "producer" => Store.SpanKind.Producer,
        "consumer" => Store.SpanKind.Consumer,
        "internal" => Store.SpanKind.Internal,
        "unspecified" => Store.SpanKind.Unspecified,
        _ => null,
    };

    /// <summary>The value of a derived tag on this span, or null when the span does not have it.</summary>
    public static string? ValueOf(in SpanRecord span, string key) => key switch
    {
        SpanKind => KindName(span.Kind),
        Error => span.IsError ? "true" : null,
        StatusCode => span.Status switch { Store.StatusCode.Ok => StatusOk, Store.StatusCode.Error => StatusError, _ => null },
        StatusDescription => span.Details?.StatusMessage,
        ScopeName => span.Scope.Name.Length > 0 ? span.Scope.Name : null,
        ScopeVersion => span.Scope.Version.Length > 0 ? span.Scope.Version : null,
        TraceState => span.Details?.TraceState,
        _ => null,
    };
}

/// <summary>Jaeger's per-span search predicate: service, operation, duration, start time, and tags found on the span, its resource or its events.</summary>
internal static class SpanMatcher
{
    public static bool Matches(in SpanRecord span, TraceQuery query)
    {
        if (!string.Equals(span.ServiceName, query.Service, StringComparison.Ordinal)
            || (query.Operation is not null && !string.Equals(span.Name, query.Operation, StringComparison.Ordinal)))
        {
            return false;
        }

        var duration = span.DurationNano;
        if ((query.MinDurationNano > 0 && duration < query.MinDurationNano)
            || (query.MaxDurationNano > 0 && duration > query.MaxDurationNano)
            || span.StartUnixNano < query.StartMinUnixNano
            || span.StartUnixNano > query.StartMaxUnixNano)
        {
            return false;
        }

        foreach (var (key, value) in query.Tags)
        {
            if (!HasTag(span, key, value))
            {
                return false;
            }
        }

        return true;
    }

    public static bool HasTag(in SpanRecord span, string key, string value)
    {
        if (Has(span.Attributes, key, value) || span.Process.Has(key, value))
        {
            return true;
        }

        if (DerivedTags.IsDerived(key) && string.Equals(DerivedTags.ValueOf(span, key), value, StringComparison.Ordinal))
        {
            return true;
        }

        if (span.Details is { } details)
        {
            foreach (var spanEvent in details.Events)
            {
                if ((key == DerivedTags.EventField && string.Equals(spanEvent.Name, value, StringComparison.Ordinal))
                    || Has(spanEvent.Attributes, key, value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool Has(StoredAttribute[] attributes, string key, string value)
    {
        foreach (ref readonly var attribute in attributes.AsSpan())
        {
            if (attribute.Matches(key, value))
            {
                return true;
            }
        }

        return false;
    }
}
