using System.Diagnostics;
using System.Diagnostics.Metrics;
using Shop.Contracts;
using Shop.Conventions;
using Shop.Orders.Ordering;

namespace Shop.Orders;

/// <summary>The orders service's own spans and metrics.</summary>
internal static class OrdersTelemetry
{
    public const string ServiceName = "orders";

    public static readonly ActivitySource Source = new(TelemetrySources.ForService(ServiceName));

    private static readonly Meter Meter = new(TelemetrySources.ForService(ServiceName));

    private static readonly Counter<long> Orders =
        Meter.CreateCounter<long>(TelemetryMetrics.Orders, unit: "{order}", description: "Orders created, by the status the checkout left them in.");

    private static readonly Counter<long> Reconciled =
        Meter.CreateCounter<long>(TelemetryMetrics.OrdersReconciled, unit: "{order}", description: "Pending orders the reconciler brought to a final status.");

    // Amounts in different currencies differ in scale; the currency attribute keeps them apart.
    private static readonly Histogram<double> Value = Meter.CreateHistogram(TelemetryMetrics.OrderValue, unit: "{currency_unit}",
        description: "Order totals in major units of their currency (12.50 EUR is 12.5).", tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TelemetryMetrics.OrderValueBuckets });

    /// <summary>Puts order.id on the current span and into the baggage, so every later span of this trace, in every service, carries it.</summary>
    public static void TagOrder(Guid orderId)
    {
        var activity = Activity.Current;
        activity?.SetTag(TelemetryAttributes.OrderId, orderId.ToString());
        activity?.AddBaggage(TelemetryAttributes.OrderId, orderId.ToString());
        // OpenTelemetry's instrumentations propagate its Baggage.Current, not the Activity's baggage.
        OpenTelemetry.Baggage.SetBaggage(TelemetryAttributes.OrderId, orderId.ToString());
    }

    public static void CountPlaced(Order order)
    {
        Orders.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.OrderStatus, StatusValue(order.Status)));
        Value.Record(Currencies.ToMajorUnits(order.TotalMinor, order.Currency), new KeyValuePair<string, object?>(TelemetryAttributes.Currency, order.Currency));
    }

    public static void CountReconciled(OrderStatus status) =>
        Reconciled.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.OrderStatus, StatusValue(status)));

    /// <summary>order.status as an attribute value: pending, paid, payment_failed.</summary>
    public static string StatusValue(OrderStatus status) => status switch
    {
        OrderStatus.Paid => "paid",
        OrderStatus.PaymentFailed => "payment_failed",
        _ => "pending",
    };
}
