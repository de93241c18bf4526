using Shop.Conventions;
using Shop.Dashboard.Store;
using Shop.Otlp.Common.V1;
using Shop.Otlp.Resource.V1;
using OtlpLogRecord = Shop.Otlp.Logs.V1.LogRecord;
using OtlpSpan = Shop.Otlp.Trace.V1.Span;

namespace Shop.Dashboard.Ingest;

/// <summary>OTLP messages to stored records: ids checked, strings pooled, resources and scopes shared.</summary>
internal sealed class OtlpConverter(StringPool strings)
{
    private const int MaxCachedResources = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceKey, SpanProcess> _processes = [];
    private readonly Dictionary<(string, string), SpanScope> _scopes = [];

    public StringPool Strings { get; } = strings;

    /// <summary>The shared process for a resource: equal resources map to one instance.</summary>
    public SpanProcess Process(Resource? resource)
    {
        var service = SpanProcess.UnknownService;
        var attributes = new List<StoredAttribute>(resource?.Attributes.Count ?? 0);
        foreach (var attribute in resource?.Attributes ?? [])
        {
            if (attribute.Key == TelemetryAttributes.ServiceName && attribute.Value?.ValueCase == AnyValue.ValueOneofCase.StringValue)
            {
                service = Strings.Intern(attribute.Value.StringValue);
            }
            else
            {
                attributes.Add(StoredAttribute.From(attribute, Strings));
            }
        }

        var key = new ResourceKey(service, attributes);
        lock (_lock)
        {
            if (_processes.TryGetValue(key, out var existing))
            {
                return existing;
            }

            if (_processes.Count >= MaxCachedResources)
            {
                _processes.Clear();
            }

            var process = new SpanProcess(service, [.. attributes]);
            _processes.Add(key, process);
            return process;
        }
    }

    public SpanScope Scope(InstrumentationScope? scope)
    {
        if (scope is null || (scope.Name.Length == 0 && scope.Version.Length == 0))
        {
            return SpanScope.None;
        }

        lock (_lock)
        {
            if (!_scopes.TryGetValue((scope.Name, scope.Version), out var shared))
            {
                if (_scopes.Count >= MaxCachedResources)
                {
                    _scopes.Clear();
                }

                shared = new SpanScope(Strings.Intern(scope.Name), Strings.Intern(scope.Version));
                _scopes.Add((scope.Name, scope.Version), shared);
            }

            return shared;
        }
    }

    /// <summary>False (the span is rejected) when its trace id is not 16 bytes or its span ids not 8.</summary>
    public bool TryConvert(OtlpSpan span, SpanProcess process, SpanScope scope, out SpanRecord record)
    {
        record = default;
        if (!TraceId.TryFrom(span.TraceId, out var traceId)
            || !SpanIds.TryFrom(span.SpanId, out var spanId) || spanId == 0
            || !SpanIds.TryFrom(span.ParentSpanId, out var parentId))
        {
            return false;
        }

        record = new SpanRecord
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parentId,
            StartUnixNano = ToLong(span.StartTimeUnixNano),
            EndUnixNano = ToLong(span.EndTimeUnixNano),
            Name = Strings.Intern(span.Name),
            Process = process,
            Scope = scope,
            Attributes = StoredAttribute.From(span.Attributes, Strings),
            Details = Details(span),
            Kind = (Store.SpanKind)Math.Clamp((int)span.Kind, 0, 5),
            Status = (Store.StatusCode)Math.Clamp((int)(span.Status?.Code ?? 0), 0, 2),
            TraceFlags = (byte)(span.Flags & 0xFF),
        };
        return true;
    }

    /// <summary>False (the record is rejected) when it carries a trace or span id of the wrong length.</summary>
    public bool TryConvert(OtlpLogRecord log, SpanProcess process, SpanScope scope, out LogEntry entry)
    {
        entry = default;
        var traceId = default(TraceId);
        if ((log.TraceId.Length != 0 && !TraceId.TryFrom(log.TraceId, out traceId)) || !SpanIds.TryFrom(log.SpanId, out var spanId))
        {
            return false;
        }

        var time = log.TimeUnixNano != 0 ? log.TimeUnixNano : log.ObservedTimeUnixNano;
        entry = new LogEntry
        {
            TimeUnixNano = ToLong(time),
            TraceId = traceId,
            SpanId = spanId,
            Process = process,
            Scope = scope,
            Body = log.Body is null ? "" : Shop.Otlp.OtlpValues.ToText(log.Body),
            Attributes = StoredAttribute.From(log.Attributes, Strings),
            SeverityText = log.SeverityText.Length > 0 ? Strings.Intern(log.SeverityText) : null,
            EventName = log.EventName.Length > 0 ? Strings.Intern(log.EventName) : null,
            SeverityNumber = (byte)Math.Clamp((int)log.SeverityNumber, 0, 24),
        };
        return true;
    }

    private SpanDetails? Details(OtlpSpan span)
    {
        var message = span.Status?.Message;
        if (string.IsNullOrEmpty(message) && span.TraceState.Length == 0 && span.Events.Count == 0 && span.Links.Count == 0
            && span.DroppedAttributesCount == 0 && span.DroppedEventsCount == 0 && span.DroppedLinksCount == 0)
        {
            return null;
        }

        return new SpanDetails
        {
            StatusMessage = string.IsNullOrEmpty(message) ? null : message,
            TraceState = span.TraceState.Length > 0 ? span.TraceState : null,
            Events = span.Events.Select(e => new SpanEvent(ToLong(e.TimeUnixNano), Strings.Intern(e.Name), StoredAttribute.From(e.Attributes, Strings))).ToArray(),
            Links = span.Links
                .Where(l => TraceId.TryFrom(l.TraceId, out _) && SpanIds.TryFrom(l.SpanId, out _))
                .Select(l =>
                {
                    TraceId.TryFrom(l.TraceId, out var linkTrace);
                    SpanIds.TryFrom(l.SpanId, out var linkSpan);
                    return new SpanLink(linkTrace, linkSpan, l.TraceState.Length > 0 ? l.TraceState : null, StoredAttribute.From(l.Attributes, Strings));
                })
                .ToArray(),
            DroppedAttributes = span.DroppedAttributesCount,
            DroppedEvents = span.DroppedEventsCount,
            DroppedLinks = span.DroppedLinksCount,
        };
    }

    private static long ToLong(ulong unixNano) => unixNano > long.MaxValue ? long.MaxValue : (long)unixNano;

    /// <summary>Resource identity by content: service name and every other attribute in order.</summary>
    private readonly struct ResourceKey(string service, List<StoredAttribute> attributes) : IEquatable<ResourceKey>
    {
        private readonly string _service = service;
        private readonly List<StoredAttribute> _attributes = attributes;

        public bool Equals(ResourceKey other)
        {
            if (_service != other._service || _attributes.Count != other._attributes.Count)
            {
                return false;
            }

            for (var i = 0; i < _attributes.Count; i++)
            {
                var (a, b) = (_attributes[i], other._attributes[i]);
                if (a.Key != b.Key || a.Kind != b.Kind || a.Bits != b.Bits || a.Text != b.Text)
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is ResourceKey other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(_service);
            foreach (var attribute in _attributes)
            {
                hash.Add(attribute.Key);
                hash.Add(attribute.Text);
                hash.Add(attribute.Bits);
            }

            return hash.ToHashCode();
        }
    }
}
