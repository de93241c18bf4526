using System.Diagnostics;
using System.Diagnostics.Metrics;
using Shop.Conventions;

namespace Shop.Payments;

/// <summary>The payments service's own spans and metrics.</summary>
internal static class PaymentsTelemetry
{
    public const string ServiceName = "payments";

    // payment.outcome values
    public const string Approved = "approved";
    public const string Declined = "declined";
    public const string InjectedFailure = "injected_failure";

    public static readonly ActivitySource Source = new(TelemetrySources.ForService(ServiceName));

    private static readonly Meter Meter = new(TelemetrySources.ForService(ServiceName));

    /// <summary>Charges decided, by payment.outcome: approved, declined, injected_failure. A replay is not a new payment.</summary>
    public static readonly Counter<long> Payments =
        Meter.CreateCounter<long>(TelemetryMetrics.Payments, unit: "{payment}", description: "Charges decided, by outcome.");

    public static void CountOutcome(string outcome) =>
        Payments.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.PaymentOutcome, outcome));
}
