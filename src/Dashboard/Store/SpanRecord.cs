namespace Shop.Dashboard.Store;

/// <summary>OTLP span kinds (the proto's numbering).</summary>
internal enum SpanKind : byte
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>OTLP status codes (the proto's numbering).</summary>
internal enum StatusCode : byte
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// <summary>
/// A stored span: ids and times inline, strings pooled, resource and scope shared between spans,
/// the rarely present parts (events, links, status message) in <see cref="Details"/>.
/// The Prev* fields belong to the store's indexes.
/// </summary>
internal struct SpanRecord
{
    public TraceId TraceId;
    public ulong SpanId;
    public ulong ParentSpanId;
    public long StartUnixNano;
    public long EndUnixNano;
    public string Name;
    public SpanProcess Process;
    public SpanScope Scope;
    public StoredAttribute[] Attributes;
    public SpanDetails? Details;
    public SpanKind Kind;
    public StatusCode Status;
    public byte TraceFlags;

    internal int PrevInTrace;
    internal int PrevInService;
    internal int PrevInOperation;

    public readonly long DurationNano => Math.Max(0, EndUnixNano - StartUnixNano);

    public readonly bool IsRoot => ParentSpanId == 0;

    public readonly bool IsError => Status == StatusCode.Error;

    public readonly string ServiceName => Process.ServiceName;
}

/// <summary>What few spans have: a status message, trace state, events, links, dropped counts.</summary>
internal sealed class SpanDetails
{
    public string? StatusMessage { get; init; }

    public string? TraceState { get; init; }

    public SpanEvent[] Events { get; init; } = [];

    public SpanLink[] Links { get; init; } = [];

    public uint DroppedAttributes { get; init; }

    public uint DroppedEvents { get; init; }

    public uint DroppedLinks { get; init; }
}

internal sealed class SpanEvent(long timeUnixNano, string name, StoredAttribute[] attributes)
{
    public long TimeUnixNano { get; } = timeUnixNano;

    public string Name { get; } = name;

    public StoredAttribute[] Attributes { get; } = attributes;
}

internal sealed class SpanLink(TraceId traceId, ulong spanId, string? traceState, StoredAttribute[] attributes)
{
    public TraceId TraceId { get; } = traceId;

    public ulong SpanId { get; } = spanId;

    public string? TraceState { get; } = traceState;

    public StoredAttribute[] Attributes { get; } = attributes;
}

/// <summary>A resource (Jaeger's process): service name plus the other resource attributes, shared by all its spans and logs.</summary>
internal sealed class SpanProcess(string serviceName, StoredAttribute[] attributes)
{
    /// <summary>What Jaeger and the OpenTelemetry Collector call a resource without service.name.</summary>
    public const string UnknownService = "unknown_service";

    public string ServiceName { get; } = serviceName;

    /// <summary>Every resource attribute except service.name.</summary>
    public StoredAttribute[] Attributes { get; } = attributes;

    public bool Has(string key, string value)
    {
        foreach (ref readonly var attribute in Attributes.AsSpan())
        {
            if (attribute.Matches(key, value))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The instrumentation scope (library or logger category) a span or record came from.</summary>
internal sealed class SpanScope(string name, string version)
{
    public static readonly SpanScope None = new("", "");

    public string Name { get; } = name;

    public string Version { get; } = version;
}
