using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Shop.Contracts.Payments.V1;
using Shop.Conventions;
using Shop.Data;
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
    public async Task Each_transaction_end_is_a_client_span_a_failed_commit_with_its_sqlstate()
    {
        await using var database = await PostgresDatabase.CreateAsync("orders_tx");
        var ended = new List<Activity>();
        using var listener = RecordDatabaseSpans(database, ended, TelemetrySources.Data);
        await using var db = Open(database);
        await db.Database.MigrateAsync();
        ended.Clear(); // the migrations' own transactions
        using var parent = new Activity("caller").Start();

        // SaveChanges' own transaction (the order and its line: two statements) ends with a COMMIT span under the caller.
        db.Orders.Add(NewOrder());
        await db.SaveChangesAsync();
        // An explicit rollback, then a commit PostgreSQL refuses: a deferred unique constraint is checked at COMMIT.
        await using (var rolledBack = await db.Database.BeginTransactionAsync())
        {
            await db.Database.ExecuteSqlRawAsync("SELECT 1");
            await rolledBack.RollbackAsync();
        }

        await using (var refused = await db.Database.BeginTransactionAsync())
        {
            await db.Database.ExecuteSqlRawAsync(
                "CREATE TEMP TABLE deferred_check (id int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP; INSERT INTO deferred_check VALUES (1), (1)");
            Assert.Equal("23505", (await Assert.ThrowsAsync<PostgresException>(() => refused.CommitAsync())).SqlState);
        }

        Assert.Same(parent, Activity.Current); // the spans never became the caller's current activity
        Assert.Equal([$"COMMIT {database.Name}", $"ROLLBACK {database.Name}", $"COMMIT {database.Name}"], ended.Select(a => a.DisplayName));
        Assert.All(ended, span =>
        {
            Assert.Equal(ActivityKind.Client, span.Kind);
            Assert.Equal(parent.SpanId, span.ParentSpanId);
            Assert.Equal("postgresql", span.GetTagItem(TelemetryAttributes.DbSystemName));
            Assert.Equal(span.DisplayName.Split(' ')[0], span.GetTagItem(TelemetryAttributes.DbOperationName));
            Assert.NotNull(span.GetTagItem(TelemetryAttributes.ServerPort));
        });
        Assert.Equal([ActivityStatusCode.Unset, ActivityStatusCode.Unset, ActivityStatusCode.Error], ended.Select(a => a.Status));
        Assert.Equal("23505", ended[2].GetTagItem(TelemetryAttributes.ErrorType));
        Assert.Equal("23505", ended[2].GetTagItem(TelemetryAttributes.DbResponseStatusCode));
    }

    [Fact]
    public async Task An_order_with_its_most_lines_is_one_statement_batch_all_or_nothing_without_a_commit_of_EF_Cores()
    {
        await using var database = await PostgresDatabase.CreateAsync("orders_batch");
        var spans = new List<Activity>();
        using var listener = RecordDatabaseSpans(database, spans, TelemetrySources.Npgsql, TelemetrySources.Data);
        await using var db = Open(database);
        await db.Database.MigrateAsync();

        // The last of the most lines a checkout may have is one PostgreSQL refuses (its SKU is longer than the column):
        // nothing of the order may stay, though EF Core opened no transaction around the batch.
        var refused = NewOrder(Checkout.OrderValidation.MaxLines, lastSku: new string('X', OrderLine.MaxSkuLength + 1));
        db.Orders.Add(refused);
        spans.Clear(); // the migrations' own statements
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsOneBatchAsync(default));
        Assert.Equal(PostgresErrorCodes.StringDataRightTruncation, Assert.IsType<PostgresException>(error.InnerException).SqlState);
        db.ChangeTracker.Clear();
        var failedAttempt = Statements(spans);

        // An order of as many lines, all valid: stored whole, in one statement span, and no COMMIT span.
        spans.Clear();
        var stored = NewOrder(Checkout.OrderValidation.MaxLines);
        db.Orders.Add(stored);
        await db.SaveChangesAsOneBatchAsync(default);
        var storing = Statements(spans);

        await using var check = Open(database);
        Assert.Equal([stored.Id], await check.Orders.Select(o => o.Id).ToListAsync());
        Assert.Equal(Checkout.OrderValidation.MaxLines, await check.Set<OrderLine>().CountAsync());
        Assert.Single(failedAttempt); // one batch, and no ROLLBACK span: PostgreSQL rolled it back by itself
        var batch = Assert.Single(storing);
        Assert.Equal(TelemetrySources.Npgsql, batch.Source.Name);
        Assert.Equal(AutoTransactionBehavior.WhenNeeded, db.Database.AutoTransactionBehavior); // restored for what comes next
    }

    [Fact]
    public Task Hand_written_migrations_build_the_schema_of_the_model() =>
        DatabaseSchema.AssertMigrationsMatchModelAsync<OrdersDbContext>(options => new(options));

    /// <summary>Records into <paramref name="spans"/> every span of <paramref name="sources"/> that ends with the database's name on it.</summary>
    private static ActivityListener RecordDatabaseSpans(PostgresDatabase database, List<Activity> spans, params string[] sources)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem(TelemetryAttributes.DbNamespace), database.Name))
                {
                    lock (spans)
                    {
                        spans.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>The spans recorded so far, without the CONNECT spans of physical connections opened on the way.</summary>
    private static List<Activity> Statements(List<Activity> spans)
    {
        lock (spans)
        {
            return [.. spans.Where(span => !span.DisplayName.StartsWith("CONNECT", StringComparison.Ordinal))];
        }
    }

    private static OrdersDbContext Open(PostgresDatabase database) =>
        DatabaseSchema.Open<OrdersDbContext>(database.ConnectionString, options => new(options));

    private static Order NewOrder(int lines = 1, string? lastSku = null) => Order.Place(Guid.NewGuid(), "t-1", "key", new string('0', 64), "EUR",
        [.. Enumerable.Range(1, lines).Select(n => new OrderLine
        {
            LineNumber = n, Sku = n == lines && lastSku is not null ? lastSku : $"BOOK-{n}", Quantity = 1, UnitPriceMinor = 100, LineTotalMinor = 100,
        })],
        100L * lines, new StoredTraceContext(null, null, null), Shop.Data.DatabaseTime.UtcNow);
}
