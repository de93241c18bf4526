using Npgsql;
using Shop.LoadGenerator.Scenarios;
using Shop.LoadGenerator.Soak;
using Shop.Testing;

namespace Shop.LoadGenerator.Tests;

public sealed class SoakReconciliationTests
{
    // The columns the reconciliation reads, as the services' migrations create them.
    private const string OrdersSchema = """
        CREATE TABLE orders (id uuid PRIMARY KEY, status varchar(16) NOT NULL, payment_id uuid);
        CREATE TABLE outbox_messages (id uuid PRIMARY KEY, order_id uuid NOT NULL, published_at timestamptz);
        """;

    private const string PaymentsSchema = "CREATE TABLE payments (id uuid PRIMARY KEY, order_id uuid NOT NULL, status varchar(16) NOT NULL);";

    private static readonly Guid A = Id(0xA), B = Id(0xB), C = Id(0xC), E = Id(0xE), F = Id(0xF), G = Id(0x6), L = Id(0x1), X = Id(0x2);
    private static readonly Guid PayA = Id(0xA1), PayB = Id(0xB1), PayC1 = Id(0xC1), PayC2 = Id(0xC2), PayF = Id(0xF1), PayG = Id(0x61), PayX = Id(0x21);

    [Fact]
    public async Task A_consistent_data_set_passes_and_each_kind_of_damage_is_counted_once()
    {
        await using var orders = await PostgresDatabase.CreateAsync("soak_orders");
        await using var payments = await PostgresDatabase.CreateAsync("soak_payments");
        var databases = new SoakDatabases(orders.ConnectionString, payments.ConnectionString);
        await ExecuteAsync(orders, OrdersSchema + $"""
            INSERT INTO orders VALUES ('{A}', 'Paid', '{PayA}'), ('{B}', 'PaymentFailed', '{PayB}');
            INSERT INTO outbox_messages VALUES ('{Id(0xA2)}', '{A}', now()), ('{Id(0xB2)}', '{B}', now());
            """);
        await ExecuteAsync(payments, PaymentsSchema + $"INSERT INTO payments VALUES ('{PayA}', '{A}', 'Approved'), ('{PayB}', '{B}', 'Declined');");
        CheckoutAnswer[] consistent = [new("k1", 1, 201, null, A, 0), new("k2", 1, 503, null, null, 0), new("k2", 2, 402, null, B, 0)];

        var clean = await SoakReconciliation.RunAsync(databases, consistent, CancellationToken.None);

        Assert.True(clean.Passed);
        Assert.All(clean.Checks(), c => Assert.Equal(0, c.Count));
        Assert.Equal((2, 2, 2, 1), (clean.AnsweredOrders, clean.Orders, clean.Charges, clean.RetriedKeys));

        // C charged twice, E never finished, F final without its event, G paid without a charge, X charged without an order.
        await ExecuteAsync(orders, $"""
            INSERT INTO orders VALUES ('{C}', 'Paid', '{PayC1}'), ('{E}', 'Pending', NULL), ('{F}', 'Paid', '{PayF}'), ('{G}', 'Paid', '{PayG}');
            INSERT INTO outbox_messages VALUES ('{Id(0xC3)}', '{C}', NULL), ('{Id(0x63)}', '{G}', now());
            """);
        await ExecuteAsync(payments, $"INSERT INTO payments VALUES ('{PayC1}', '{C}', 'Approved'), ('{PayC2}', '{C}', 'Approved'), ('{PayF}', '{F}', 'Approved'), ('{PayX}', '{X}', 'Approved');");
        CheckoutAnswer[] damaged =
        [
            .. consistent,
            new("k3", 1, 201, null, L, 0), // answered, never stored
            new("k5", 1, 201, null, B, 0), // 201 for a PaymentFailed order
            new("k6", 1, 0, "timeout", null, 0), new("k6", 2, 202, null, E, 0), new("k6", 3, 201, null, C, 0), // one key, two orders
        ];

        var result = await SoakReconciliation.RunAsync(databases, damaged, CancellationToken.None);

        Assert.False(result.Passed);
        Assert.Equal(1, result.LostOrders);
        Assert.Equal(1, result.DoubleCharges);
        Assert.Equal(1, result.OrphanCharges);
        Assert.Equal(1, result.ContradictedAnswers);
        Assert.Equal(1, result.PendingOrders);
        Assert.Equal(1, result.PaidWithoutCharge);
        Assert.Equal(1, result.ChargesOfUnpaidOrders);
        Assert.Equal(1, result.UnpublishedEvents);
        Assert.Equal(1, result.FinalOrdersWithoutEvent);
        Assert.Equal(1, result.KeysWithDifferentOrders);
        Assert.Equal((5, 6, 6, 2), (result.AnsweredOrders, result.Orders, result.Charges, result.RetriedKeys));
        Assert.Equal((1L, 1L), await SoakReconciliation.BacklogAsync(databases, CancellationToken.None));
    }

    [Fact]
    public void Recovery_starts_with_the_first_healthy_window_after_the_service_is_back()
    {
        // Fault at 0; back after 2 s; errors until 3 s, then only final answers.
        var answers = Enumerable.Range(0, 100).Select(i => i * 100L)
            .Select(t => t < 3000 ? new CheckoutAnswer($"k{t}", 1, 503, null, null, t) : new CheckoutAnswer($"k{t}", 1, 201, null, Guid.NewGuid(), t)).ToList();

        Assert.Equal(3.0, SoakBenchmark.RecoveredAfter(answers, 0, backSeconds: 2));
        Assert.Equal(4.0, SoakBenchmark.RecoveredAfter(answers, 0, backSeconds: 4));
        Assert.Null(SoakBenchmark.RecoveredAfter(answers.Take(40).ToList(), 0, backSeconds: 2));
    }

    private static Guid Id(int n) => Guid.Parse($"00000000-0000-0000-0000-{n:x12}");

    private static async Task ExecuteAsync(PostgresDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class SoakRunTests
{
    [Fact]
    public async Task A_short_soak_with_payments_killed_and_started_again_loses_nothing_and_charges_nothing_twice()
    {
        var tampered = (ReconciliationResult?)null;
        var settings = new SoakBenchmark.Settings
        {
            Rate = 15,
            Duration = TimeSpan.FromSeconds(75),
            WarmUp = TimeSpan.FromSeconds(5),
            Down = TimeSpan.FromSeconds(5),
            Faults = [new(SoakBenchmark.FaultKind.KillPayments, TimeSpan.FromSeconds(20))],
            AfterReconciliation = async databases =>
            {
                // The same reconciliation must see damage done to the real tables: a second approved charge of a paid
                // order, and an approved charge of an order that does not exist.
                await using var connection = new NpgsqlConnection(databases.Payments);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("""
                    INSERT INTO payments (id, idempotency_key, order_id, user_id, amount_minor, currency, status, created_at)
                    SELECT gen_random_uuid(), 'tampered-double', order_id, user_id, amount_minor, currency, 'Approved', now()
                    FROM payments WHERE status = 'Approved' LIMIT 1;
                    INSERT INTO payments (id, idempotency_key, order_id, amount_minor, currency, status, created_at)
                    VALUES (gen_random_uuid(), 'tampered-orphan', gen_random_uuid(), 100, 'EUR', 'Approved', now());
                    """, connection);
                await command.ExecuteNonQueryAsync();
                // The answers the tampering must not change: the run's own.
                tampered = await SoakReconciliation.RunAsync(databases, [], CancellationToken.None);
            },
        };

        var outcome = await SoakBenchmark.RunAsync(settings, TextWriter.Null, CancellationToken.None);

        var r = outcome.Reconciliation;
        Assert.True(r.Passed, string.Join("; ", r.Checks().Where(c => c.Count != 0).Select(c => $"{c.Check}: {c.Count}")));
        Assert.Equal((0, 0, 0), (r.LostOrders, r.DoubleCharges, r.OrphanCharges));
        // Every 201 names an order, and that order is Paid (a final state) in the database: ContradictedAnswers is 0.
        Assert.All(outcome.Answers.Where(a => a.Status == 201), a => Assert.NotNull(a.OrderId));
        Assert.True(outcome.Answers.Count(a => a.Status == 201) > 100, $"only {outcome.Answers.Count(a => a.Status == 201)} checkouts answered 201");
        Assert.Equal(r.AnsweredOrders, outcome.Answers.Select(a => a.OrderId).OfType<Guid>().Distinct().Count());
        Assert.True(r.Orders >= r.AnsweredOrders);

        // Nothing the suite stored or exported during the soak holds personal data (the scan covered every source).
        Assert.Empty(outcome.Pii.Findings);
        Assert.True(outcome.Pii.ItemsBySource.Count(s => s.Value > 0) >= 10, string.Join(", ", outcome.Pii.ItemsBySource.Select(s => $"{s.Key}={s.Value}")));

        // Payments was killed, came back through the AppHost's start command, and checkouts recovered afterwards.
        var kill = Assert.Single(outcome.Faults);
        Assert.True(kill.BackSeconds >= settings.Down.TotalSeconds);
        Assert.NotNull(kill.RecoveredSeconds);
        Assert.Contains(outcome.Answers, a => a.EndUnixMs > kill.StartUnixMs + (kill.BackSeconds * 1000) && a.Status == 201);

        Assert.NotNull(tampered);
        Assert.Equal((1, 1), (tampered.DoubleCharges, tampered.OrphanCharges));
        Assert.False(tampered.Passed);
        Assert.False(outcome.Report.Failed);
    }
}
