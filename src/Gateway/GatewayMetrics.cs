using System.Diagnostics;
using System.Diagnostics.Metrics;
using Shop.Conventions;

namespace Shop.Gateway;

/// <summary>The gateway's own telemetry: its ActivitySource name and its checkout counter.</summary>
public sealed class GatewayMetrics
{
    public static readonly string Name = TelemetrySources.ForService("gateway");

    private readonly Counter<long> _checkouts;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _checkouts = meter.CreateCounter<long>(TelemetryMetrics.Checkouts, "{checkout}", "Checkouts answered by the gateway, by outcome.");
    }

    /// <summary>Counts a checkout and marks the request's span with its outcome.</summary>
    public void Checkout(CheckoutOutcome outcome, Activity? span)
    {
        var value = outcome.ToTagValue();
        _checkouts.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.CheckoutOutcome, value));
        span?.SetTag(TelemetryAttributes.CheckoutOutcome, value);
    }
}

/// <summary>How a checkout ended, as the gateway answered it.</summary>
public enum CheckoutOutcome
{
    Paid,
    PaymentFailed,
    Pending,
    Rejected,
    Unavailable,
}

internal static class CheckoutOutcomeExtensions
{
    public static string ToTagValue(this CheckoutOutcome outcome) => outcome switch
    {
        CheckoutOutcome.Paid => "paid",
        CheckoutOutcome.PaymentFailed => "payment_failed",
        CheckoutOutcome.Pending => "pending",
        CheckoutOutcome.Rejected => "rejected",
        _ => "unavailable",
    };
}
