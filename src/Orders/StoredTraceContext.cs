using System.Diagnostics;

namespace Shop.Orders;

/// <summary>
/// A span's W3C context (traceparent, tracestate) and baggage as text, stored with an order and its outbox rows so that
/// work done later, in another trace, can link back to the checkout and carry its tenant.id and order.id again.
/// </summary>
public sealed record StoredTraceContext(string? TraceParent, string? TraceState, string? Baggage)
{
    public const int MaxTraceParentLength = 55;
    public const int MaxTraceStateLength = 512;
    public const int MaxBaggageLength = 8192;

    private const string TraceParentField = "traceparent";
    private const string TraceStateField = "tracestate";
    private const string BaggageField = "baggage";

    /// <summary>The context of <paramref name="activity"/> as the suite's propagator writes it onto outgoing calls.</summary>
    public static StoredTraceContext Capture(Activity? activity)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        DistributedContextPropagator.Current.Inject(activity, fields, static (carrier, key, value) => ((Dictionary<string, string>)carrier!)[key] = value);
        return new StoredTraceContext(
            Limit(fields.GetValueOrDefault(TraceParentField), MaxTraceParentLength),
            Limit(fields.GetValueOrDefault(TraceStateField), MaxTraceStateLength),
            Limit(fields.GetValueOrDefault(BaggageField), MaxBaggageLength));
    }

    /// <summary>
    /// Starts a span <paramref name="name"/> at the root of a new trace, linked to this context, with its baggage restored:
    /// the asynchronous case, where the work belongs to the stored trace but does not run inside it.
    /// </summary>
    public Activity? StartLinkedActivity(ActivitySource source, string name, ActivityKind kind, IEnumerable<KeyValuePair<string, object?>>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ActivityLink[] links = ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var stored) ? [new ActivityLink(stored)] : [];

        // A new trace: no parent, whatever happens to be current.
        var previous = Activity.Current;
        Activity.Current = null;
        var activity = source.StartActivity(kind, parentContext: default, tags: tags, links: links, name: name);
        if (activity is null)
        {
            Activity.Current = previous;
            return null;
        }

        var restored = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in DistributedContextPropagator.Current.ExtractBaggage(Baggage, static (carrier, field, out value, out values) =>
                 {
                     value = field == BaggageField ? (string?)carrier : null;
                     values = null;
                 }) ?? [])
        {
            activity.AddBaggage(key, value);
            if (value is not null)
            {
                restored[key] = value;
            }
        }

        // Calls made for this work carry the stored baggage: OpenTelemetry's instrumentations send Baggage.Current.
        OpenTelemetry.Baggage.Current = OpenTelemetry.Baggage.Create(restored);
        return activity;
    }

    private static string? Limit(string? value, int maxLength) => value is null || value.Length <= maxLength ? value : null;
}
