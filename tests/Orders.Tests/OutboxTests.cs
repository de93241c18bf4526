using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Shop.Conventions;
using Shop.Orders.Checkout;
using Shop.Orders.Outbox;
using Shop.Orders.Storage;
using Shop.Otlp;
using Shop.Otlp.Trace.V1;
using Shop.Testing;

namespace Shop.Orders.Tests;

public sealed class OutboxTests(CheckoutServices stack) : IClassFixture<CheckoutServices>
{
    [Fact]
    public async Task Outbox_row_commits_with_the_state_change_and_is_published_with_a_link_to_the_checkout_trace()
    {
        var (response, checkoutTrace) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid()), "key-outbox", tenant: "initech");
        var order = (await response.Content.ReadFromJsonAsync<OrderResponse>())!;

        var publish = (await stack.Telemetry.WaitForSpans(s => s.Name == OutboxPublisher.SpanName && Equals(s[TelemetryAttributes.OrderId], order.Id.ToString())))[0];

        // A new trace, linked to the checkout, carrying the checkout's baggage.
        Assert.NotEqual(checkoutTrace, publish.TraceId);
        Assert.Equal("", publish.ParentSpanId);
        Assert.Equal(Span.Types.SpanKind.Producer, publish.Kind);
        var link = Assert.Single(publish.Span.Links);
        Assert.Equal(checkoutTrace, OtlpValues.Hex(link.TraceId));
        var checkoutSpan = (await stack.Telemetry.WaitForSpans(s => s.TraceId == checkoutTrace && s.Name == "POST /orders")).Single();
        Assert.Equal(checkoutSpan.SpanId, OtlpValues.Hex(link.SpanId));
        Assert.Equal("initech", publish[TelemetryAttributes.TenantId]);
        Assert.Equal(OutboxPublisher.MessagingSystem, publish[TelemetryAttributes.MessagingSystem]);
        Assert.Equal("publish", publish[TelemetryAttributes.MessagingOperationType]);
        Assert.Equal(OutboxPublisher.Destination, publish[TelemetryAttributes.MessagingDestinationName]);

        // The row: the event of the state change, with the checkout's context, now marked published.
        await using var db = OpenDatabase();
        var message = await db.OutboxMessages.SingleAsync(m => m.OrderId == order.Id);
        Assert.Equal((OutboxMessage.OrderPaid, message.Id.ToString()), (message.EventType, publish[TelemetryAttributes.MessagingMessageId]));
        Assert.StartsWith($"00-{checkoutTrace}-", message.TraceParent, StringComparison.Ordinal);
        Assert.NotNull(message.PublishedAt);
        var payload = JsonDocument.Parse(message.Payload).RootElement;
        Assert.Equal((order.Id.ToString(), "Paid", 2500), (payload.GetProperty("orderId").GetString(), payload.GetProperty("status").GetString(), payload.GetProperty("totalMinor").GetInt64()));

        // "Publishing" is also a log record, in the publish trace.
        await stack.Telemetry.WaitFor(r => r.Logs.FirstOrDefault(l => l.TraceId == publish.TraceId && l.Body.Contains(message.Id.ToString(), StringComparison.Ordinal)),
            what: "the publish log record");
    }

    [Fact]
    public async Task Idle_polling_of_the_workers_leaves_no_traces()
    {
        // By the time one message is published, both workers have polled many times, mostly finding nothing.
        var (response, _) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid()), "key-idle");
        var order = (await response.Content.ReadFromJsonAsync<OrderResponse>())!;
        await stack.Telemetry.WaitForSpans(s => s.Name == OutboxPublisher.SpanName && Equals(s[TelemetryAttributes.OrderId], order.Id.ToString()));

        var rootDatabaseSpans = stack.Telemetry.Spans.Where(s => s.ServiceName == "orders" && s.Scope == TelemetrySources.Npgsql && s.ParentSpanId == "");
        Assert.Empty(rootDatabaseSpans);
    }

    private OrdersDbContext OpenDatabase() => DatabaseSchema.Open<OrdersDbContext>(stack.OrdersDatabase.ConnectionString, options => new(options));
}
