using Microsoft.EntityFrameworkCore;
using Shop.Conventions;
using Grpc.Core;
using Shop.Payments.Charging;
using V1 = Shop.Contracts.Payments.V1;

namespace Shop.Payments.Tests;

public sealed class ChargeTests(PaymentsService payments) : IClassFixture<PaymentsService>
{
    private readonly PaymentsClient _client = payments.Client;

    [Fact]
    public async Task Charge_approves_and_stores_the_payment_under_its_key()
    {
        var request = PaymentsClient.NewCharge(amountMinor: 1250, currency: "EUR");

        var response = await _client.ChargeAsync(request);

        Assert.False(response.Replayed);
        var payment = response.Payment;
        Assert.Equal(V1.PaymentStatus.Approved, payment.Status);
        Assert.Equal("", payment.DeclineReason);
        Assert.Equal((request.IdempotencyKey, request.OrderId, request.Amount), (payment.IdempotencyKey, payment.OrderId, payment.Amount));
        Assert.Equal(payment, await _client.GetAsync(payment.Id));
    }

    [Fact]
    public async Task Charge_repeated_with_the_same_key_returns_the_first_result_without_a_second_row()
    {
        var request = PaymentsClient.NewCharge();
        var first = await _client.ChargeAsync(request);

        var again = await _client.ChargeAsync(request);

        Assert.True(again.Replayed);
        Assert.Equal(first.Payment, again.Payment);
        Assert.Equal(1, await RowsFor(request.IdempotencyKey));
    }

    [Fact]
    public async Task Concurrent_charges_with_one_key_store_one_payment_and_all_return_it()
    {
        var request = PaymentsClient.NewCharge();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _client.ChargeAsync(request)));

        Assert.Single(responses.Select(r => r.Payment.Id).Distinct());
        Assert.Single(responses, r => !r.Replayed);
        Assert.Equal(1, await RowsFor(request.IdempotencyKey));
        Assert.DoesNotContain(payments.Process.Output, line => line.Contains(" fail ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Same_key_with_another_amount_is_FAILED_PRECONDITION()
    {
        var request = PaymentsClient.NewCharge(amountMinor: 1000);
        await _client.ChargeAsync(request);
        request.Amount.AmountMinor = 1001;

        var e = await Assert.ThrowsAsync<RpcException>(() => _client.ChargeAsync(request));

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.StartsWith("idempotency_key:", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, await RowsFor(request.IdempotencyKey));
    }

    [Fact]
    public async Task Amount_above_the_limit_is_declined_in_the_reply_not_as_an_error_and_replays_as_declined()
    {
        var request = PaymentsClient.NewCharge(amountMinor: 1_000_001);

        var response = await _client.ChargeAsync(request);
        var again = await _client.ChargeAsync(request);

        Assert.Equal(V1.PaymentStatus.Declined, response.Payment.Status);
        Assert.Equal(PaymentsApi.DeclinedOverLimit, response.Payment.DeclineReason);
        Assert.Equal((true, response.Payment), (again.Replayed, again.Payment));
        Assert.Equal(V1.PaymentStatus.Approved, (await _client.ChargeAsync(PaymentsClient.NewCharge(amountMinor: 1_000_000))).Payment.Status);
    }

    public static TheoryData<string, Action<V1.ChargeRequest>> InvalidCharges => new()
    {
        { "idempotency_key:", r => r.IdempotencyKey = "" },
        { "idempotency_key:", r => r.IdempotencyKey = new string('k', 201) },
        { "order_id:", r => r.OrderId = "order-1" },
        { "user_id:", r => r.UserId = "user-1" },
        { "amount.amount_minor:", r => r.Amount = null },
        { "amount.amount_minor:", r => r.Amount.AmountMinor = 0 },
        { "amount.amount_minor:", r => r.Amount.AmountMinor = -5 },
        { "amount.currency:", r => r.Amount.Currency = "eur" },
        { "amount.currency:", r => r.Amount.Currency = "EURO" },
        { "amount.currency:", r => r.Amount.Currency = "XYZ" },
        { "amount.currency:", r => r.Amount.Currency = "" },
    };

    [Theory]
    [MemberData(nameof(InvalidCharges))]
    public async Task Invalid_charges_are_INVALID_ARGUMENT_naming_the_field(string field, Action<V1.ChargeRequest> spoil)
    {
        var request = PaymentsClient.NewCharge();
        spoil(request);

        var e = await Assert.ThrowsAsync<RpcException>(() => _client.ChargeAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith(field, e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Getting_a_payment_is_NOT_FOUND_for_an_unknown_id_and_INVALID_ARGUMENT_for_a_non_UUID()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _client.GetAsync(Guid.NewGuid().ToString()));
        var invalid = await Assert.ThrowsAsync<RpcException>(() => _client.GetAsync("p-1"));

        Assert.Equal((StatusCode.NotFound, StatusCode.InvalidArgument), (unknown.StatusCode, invalid.StatusCode));
    }

    [Fact]
    public async Task A_charge_is_counted_by_outcome_and_tagged_on_its_server_span()
    {
        var declined = await _client.ChargeAsync(PaymentsClient.NewCharge(amountMinor: 2_000_000));

        var span = (await payments.Telemetry.WaitForSpans(s => Equals(s[TelemetryAttributes.PaymentId], declined.Payment.Id)))[0];
        Assert.Equal("shop.payments.v1.PaymentsService/Charge", span.Name);
        Assert.Equal(PaymentsTelemetry.Declined, span[TelemetryAttributes.PaymentOutcome]);
        Assert.Equal(declined.Payment.OrderId, span[TelemetryAttributes.OrderId]);
        Assert.Equal(false, span[TelemetryAttributes.PaymentReplayed]);
        await payments.Telemetry.WaitFor(r => r.Metrics.FirstOrDefault(m => m.Name == TelemetryMetrics.Payments
            && m.Metric.Unit == "{payment}"
            && m.Metric.Sum.DataPoints.Any(p => p.Attributes.Any(a => a.Key == TelemetryAttributes.PaymentOutcome && a.Value.StringValue == PaymentsTelemetry.Declined))),
            what: "shop.payments with a declined data point");
    }

    private async Task<int> RowsFor(string idempotencyKey)
    {
        await using var db = PaymentsService.OpenDatabase(payments.Database.ConnectionString);
        return await db.Payments.CountAsync(p => p.IdempotencyKey == idempotencyKey);
    }
}
