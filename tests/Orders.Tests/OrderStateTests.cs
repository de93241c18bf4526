using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Shop.Contracts.Payments.V1;
using Shop.Orders.Ordering;
using Shop.Orders.Storage;
using Shop.Testing;

namespace Shop.Orders.Tests;

public sealed class OrderStateTests
{
    [Fact]
    public void Order_state_machine_goes_Pending_to_Paid_or_PaymentFailed_only()
    {
        var paid = NewOrder();
        var failed = NewOrder();
        var now = DateTimeOffset.UtcNow;

        paid.MarkPaid(Guid.NewGuid(), now);
        failed.MarkPaymentFailed(null, "declined", now);

        Assert.Equal((OrderStatus.Paid, OrderStatus.PaymentFailed), (paid.Status, failed.Status));
        Assert.Throws<InvalidOperationException>(() => paid.MarkPaymentFailed(null, "late", now));
        Assert.Throws<InvalidOperationException>(() => paid.MarkPaid(Guid.NewGuid(), now));
        Assert.Throws<InvalidOperationException>(() => failed.MarkPaid(Guid.NewGuid(), now));
        Assert.Equal((OrderStatus.Paid, OrderStatus.PaymentFailed), (paid.Status, failed.Status));
    }

    [Fact]
    public async Task Two_workers_completing_one_order_store_one_state_change_and_one_outbox_row()
    {
        await using var database = await PostgresDatabase.CreateAsync("orders_race");
        await using (var setup = Open(database))
        {
            await setup.Database.MigrateAsync();
            setup.Orders.Add(NewOrder());
            await setup.SaveChangesAsync();
        }

        await using var first = Open(database);
        await using var second = Open(database);
        var mine = await first.Orders.Include(o => o.Lines).SingleAsync();
        var theirs = await second.Orders.Include(o => o.Lines).SingleAsync();
        var payment = new Payment { Id = Guid.NewGuid().ToString(), Status = PaymentStatus.Approved };

        var winner = await new OrderCompletion(first, NullLogger<OrderCompletion>.Instance).ApplyAsync(mine, new ChargeResponse { Payment = payment }, default);
        var loser = await new OrderCompletion(second, NullLogger<OrderCompletion>.Instance).FailAsync(theirs, "payment service unavailable", default);

        Assert.Equal((OrderStatus.Paid, OrderStatus.Paid), (winner.Status, loser.Status));
        await using var check = Open(database);
        Assert.Equal(OrderStatus.Paid, (await check.Orders.SingleAsync()).Status);
        Assert.Single(await check.OutboxMessages.ToListAsync());
    }

    [Fact]
    public Task Hand_written_migrations_build_the_schema_of_the_model() =>
        DatabaseSchema.AssertMigrationsMatchModelAsync<OrdersDbContext>(options => new(options));

    private static OrdersDbContext Open(PostgresDatabase database) =>
        DatabaseSchema.Open<OrdersDbContext>(database.ConnectionString, options => new(options));

    private static Order NewOrder() => Order.Place(Guid.NewGuid(), "t-1", "key", new string('0', 64), "EUR",
        [new OrderLine { LineNumber = 1, Sku = "BOOK-1", Quantity = 1, UnitPriceMinor = 100, LineTotalMinor = 100 }], 100,
        new StoredTraceContext(null, null, null), Shop.Data.DatabaseTime.UtcNow);
}
