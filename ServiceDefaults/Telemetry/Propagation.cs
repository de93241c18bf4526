using System.Diagnostics;
using OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Shop.Conventions;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>The public edge: incoming trace context is honoured, incoming baggage never reaches the suite's telemetry.</summary>
internal static class IncomingBaggage
{
    public static void DropIncomingBaggage(this Microsoft.Extensions.Hosting.IHostApplicationBuilder builder)
    {
        // ASP.NET Core hosting extracts incoming context with the propagator from DI; outgoing
        // calls use DistributedContextPropagator.Current, so the suite's own baggage still flows.
        builder.Services.AddSingleton<DistributedContextPropagator>(
            new IncomingBaggageDroppingPropagator(DistributedContextPropagator.Current));
        builder.Services.AddTransient<Microsoft.AspNetCore.Hosting.IStartupFilter, IncomingBaggageDroppingStartupFilter>();
    }
}

/// <summary>
/// Extracts trace context from incoming requests but never their baggage: used at the public edge,
/// where baggage from outside would otherwise become attributes on the suite's spans.
/// </summary>
internal sealed class IncomingBaggageDroppingPropagator(DistributedContextPropagator inner) : DistributedContextPropagator
{
    public override IReadOnlyCollection<string> Fields => inner.Fields;

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) =>
        inner.Inject(activity, carrier, setter);

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState) =>
        inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => null;
}

/// <summary>
/// Copies the suite's baggage keys (tenant.id, order.id) onto every span as attributes when it ends, so that
/// spans of every service, database spans included, can be searched by tenant and order. Orders puts order.id
/// into the baggage once the order exists, so the spans after that (payments' included) carry it.
/// Only listed keys are copied: baggage is not a way to put arbitrary attributes on spans.
/// </summary>
internal sealed class BaggageTagsProcessor : BaseProcessor<Activity>
{
    private static readonly string[] Keys = [TelemetryAttributes.TenantId, TelemetryAttributes.OrderId];

    public override void OnEnd(Activity activity)
    {
        foreach (var key in Keys)
        {
            if (activity.GetTagItem(key) is null && activity.GetBaggageItem(key) is { } value)
            {
                activity.SetTag(key, value);
            }
        }
    }
}

/// <summary>
/// The public edge's other half: OpenTelemetry.Instrumentation.AspNetCore extracts incoming baggage into
/// OpenTelemetry's Baggage.Current, which its client instrumentations send on. At the edge it starts empty.
/// </summary>
internal sealed class IncomingBaggageDroppingStartupFilter : Microsoft.AspNetCore.Hosting.IStartupFilter
{
    public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
    {
        app.Use(static nextMiddleware => context =>
        {
            Baggage.Current = default;
            return nextMiddleware(context);
        });
        next(app);
    };
}
