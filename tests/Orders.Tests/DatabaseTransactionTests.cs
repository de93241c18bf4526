using System.Net;
using Shop.Testing;

namespace Shop.Orders.Tests;

/// <summary>
/// What checkouts cost the databases, counted by PostgreSQL itself (pg_stat_database, commits and rollbacks): the figure
/// the rate-at-slo benchmark reports as transactions per checkout, here per service and without the workers' polls.
/// </summary>
public sealed class DatabaseTransactionTests
{
    private const int Checkouts = 10;

    [Fact]
    public async Task A_checkout_is_two_transactions_in_orders_and_one_in_payments()
    {
        // The workers' first round is an hour away: what is counted is the checkouts' own work.
        await using var stack = await CheckoutServices.StartAsync(new Dictionary<string, string?>
        {
            ["Orders__Reconciler__Interval"] = "01:00:00",
            ["Orders__Outbox__PollInterval"] = "01:00:00",
        });
        // The first checkout opens the pools' connections and loads the database's types.
        Assert.Equal(HttpStatusCode.Created, (await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid()), "warm-up")).Response.StatusCode);
        var before = await DatabaseTransactions.SettledAsync(stack.OrdersDatabase, stack.PaymentsDatabase);
        var window = System.Diagnostics.Stopwatch.StartNew();

        for (var i = 0; i < Checkouts; i++)
        {
            var (response, _) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid()), $"count-{i}");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var after = await DatabaseTransactions.SettledAsync(stack.OrdersDatabase, stack.PaymentsDatabase);
        // Health probes and autovacuum in the window: on a busy machine the window lasts a minute or more. A CI run once
        // counted 14 in payments against an allowance of 3 that took an autovacuum visit for one transaction; it is two.
        var allowance = DatabaseTransactions.BackgroundAllowance(window.Elapsed);
        // Orders: the INSERT of the Pending order with its lines, then the UPDATE to Paid with its outbox row. No lookup of
        // the Idempotency-Key first, and no connection reset (DISCARD ALL, a transaction of its own) per use of a pooled connection.
        Assert.InRange(after[0] - before[0], 2 * Checkouts, 2 * Checkouts + allowance);
        // Payments: the INSERT of the payment, with no lookup of the idempotency key before it and no reset.
        Assert.InRange(after[1] - before[1], Checkouts, Checkouts + allowance);
    }
}
