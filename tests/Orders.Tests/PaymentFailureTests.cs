using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Grpc.Core;
using Shop.Conventions;
using Shop.Orders.Checkout;
using Shop.Orders.Payments;
using Shop.Testing;
using SpanKind = Shop.Otlp.Trace.V1.Span.Types.SpanKind;

namespace Shop.Orders.Tests;

/// <summary>What happens to an order when payments fails: each test has its own stack, since it breaks payments.</summary>
public sealed class PaymentFailureTests
{
    [Theory]
    [InlineData(StatusCode.Unavailable, 3)]
    [InlineData(StatusCode.DeadlineExceeded, 3)]
    [InlineData(StatusCode.InvalidArgument, 1)]
    [InlineData(StatusCode.FailedPrecondition, 1)]
    [InlineData(StatusCode.Internal, 1)]
    [InlineData(StatusCode.Unknown, 1)]
    [InlineData(StatusCode.Cancelled, 1)]
    [InlineData(StatusCode.ResourceExhausted, 1)]
    [InlineData(StatusCode.PermissionDenied, 1)]
    public async Task Retries_only_UNAVAILABLE_and_DEADLINE_EXCEEDED(StatusCode code, int expectedAttempts)
    {
        var pipeline = PaymentCharger.CreatePipeline(maxAttempts: 3, retryDelay: TimeSpan.FromMilliseconds(1));
        var attempts = 0;

        var e = await Assert.ThrowsAsync<RpcException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new RpcException(new Status(code, "from the test"));
        }));

        Assert.Equal(code, e.StatusCode);
        Assert.Equal(expectedAttempts, attempts);
    }

    [Fact]
    public async Task One_attempt_means_no_retry_of_a_transient_failure()
    {
        var pipeline = PaymentCharger.CreatePipeline(maxAttempts: 1, retryDelay: TimeSpan.FromMilliseconds(1));
        var attempts = 0;

        var e = await Assert.ThrowsAsync<RpcException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new RpcException(new Status(StatusCode.Unavailable, "from the test"));
        }));

        Assert.Equal((StatusCode.Unavailable, 1), (e.StatusCode, attempts));
    }

    [Fact]
    public async Task Payments_unavailable_leaves_the_order_Pending_then_the_reconciler_completes_it_without_a_double_charge()
    {
        await using var stack = await CheckoutServices.StartAsync();
        await stack.StopPaymentsAsync();

        var (response, traceId) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid()), "key-down");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var pending = (await response.Content.ReadFromJsonAsync<OrderResponse>())!;
        Assert.Equal(("Pending", (Guid?)null), (pending.Status, pending.PaymentId));
        Assert.Equal($"/orders/{pending.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(0, await OutboxRowsAsync(stack, pending.Id));
        var attempts = await stack.Telemetry.WaitForSpans(s => IsChargeAttempt(s, traceId), count: 3);
        Assert.Equal(3, attempts.Count);

        await stack.StartPaymentsAsync();
        var paid = await stack.WaitForStatusAsync(pending.Id, "Paid");

        Assert.NotNull(paid.PaymentId);
        Assert.Equal(1, await stack.PaymentRowsAsync(pending.Id));
        Assert.Equal(1, await OutboxRowsAsync(stack, pending.Id));
        var reconcile = (await stack.Telemetry.WaitForSpans(s => s.Name == Reconciliation.PaymentReconciler.SpanName
            && Equals(s["order.status"], "paid")))[0];
        Assert.NotEqual(traceId, reconcile.TraceId);
        Assert.Contains(reconcile.Span.Links, link => Otlp.OtlpValues.Hex(link.TraceId) == traceId);

        // Asking again with the same key now returns the finished order.
        var (again, _) = await stack.PlaceOrderAsync(CheckoutServices.Body(pending.UserId), "key-down");
        Assert.Equal((HttpStatusCode.Created, "Paid"), (again.StatusCode, (await again.Content.ReadFromJsonAsync<OrderResponse>())!.Status));
    }

    [Fact]
    public async Task Transient_failures_are_retried_within_the_checkout_and_a_slow_payments_hits_the_attempt_deadline()
    {
        // A 4 s attempt deadline against 30 s of injected latency: every slow attempt hits it, however busy the machine.
        await using var stack = await CheckoutServices.StartAsync(new Dictionary<string, string?> { ["Orders__Payments__AttemptTimeout"] = "00:00:04" });
        await stack.SetPaymentFaultsAsync(failureRate: 1);

        var (failing, failingTrace) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid()), "key-faults");
        Assert.Equal(HttpStatusCode.Accepted, failing.StatusCode);
        var retried = await stack.Telemetry.WaitForSpans(s => IsChargeAttempt(s, failingTrace), count: 3);
        Assert.All(retried, s => Assert.Equal("UNAVAILABLE", s[TelemetryAttributes.RpcResponseStatusCode]));

        await stack.SetPaymentFaultsAsync(latencyMs: 30_000);
        var (slow, slowTrace) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid()), "key-slow");
        Assert.Equal(HttpStatusCode.Accepted, slow.StatusCode);
        var timedOut = await stack.Telemetry.WaitForSpans(s => IsChargeAttempt(s, slowTrace), count: 3);
        Assert.All(timedOut, s => Assert.Equal("DEADLINE_EXCEEDED", s[TelemetryAttributes.RpcResponseStatusCode]));

        await stack.SetPaymentFaultsAsync();
        var first = (await failing.Content.ReadFromJsonAsync<OrderResponse>())!.Id;
        var second = (await slow.Content.ReadFromJsonAsync<OrderResponse>())!.Id;
        await stack.WaitForStatusAsync(first, "Paid");
        await stack.WaitForStatusAsync(second, "Paid");
        Assert.Equal((1, 1), (await stack.PaymentRowsAsync(first), await stack.PaymentRowsAsync(second)));
    }

    private static bool IsChargeAttempt(ReceivedSpan span, string traceId) =>
        span.TraceId == traceId && span.Kind == SpanKind.Client && span.Name == "shop.payments.v1.PaymentsService/Charge";

    private static async Task<long> OutboxRowsAsync(CheckoutServices stack, Guid orderId)
    {
        await using var dataSource = NpgsqlDataSource.Create(stack.OrdersDatabase.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM outbox_messages WHERE order_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = orderId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
