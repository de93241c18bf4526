using Npgsql;
using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Soak;

/// <summary>
/// What a soak must leave behind, checked against the orders and payments databases and the answers the client got.
/// Every count but the totals must be 0.
/// </summary>
internal sealed record ReconciliationResult
{
    /// <summary>Distinct orders the answers named (201, 202, 402).</summary>
    public int AnsweredOrders { get; init; }

    /// <summary>Orders an answer named that the orders database does not have.</summary>
    public int LostOrders { get; init; }

    /// <summary>201 answers whose order is not Paid, 402 answers whose order is not PaymentFailed.</summary>
    public int ContradictedAnswers { get; init; }

    /// <summary>Orders still Pending once the suite had time to finish them: not in a final state.</summary>
    public int PendingOrders { get; init; }

    /// <summary>Orders with more than one approved charge.</summary>
    public int DoubleCharges { get; init; }

    /// <summary>Paid orders whose payment id is not an approved charge of that order.</summary>
    public int PaidWithoutCharge { get; init; }

    /// <summary>Approved charges whose order does not exist.</summary>
    public int OrphanCharges { get; init; }

    /// <summary>Approved charges of an existing order that is not Paid with that charge (money taken, no goods).</summary>
    public int ChargesOfUnpaidOrders { get; init; }

    /// <summary>Outbox rows not published.</summary>
    public int UnpublishedEvents { get; init; }

    /// <summary>Final orders without an outbox row announcing it.</summary>
    public int FinalOrdersWithoutEvent { get; init; }

    /// <summary>Idempotency keys whose answers named more than one order.</summary>
    public int KeysWithDifferentOrders { get; init; }

    /// <summary>Keys sent more than once (retried).</summary>
    public int RetriedKeys { get; init; }

    public int Orders { get; init; }

    public int Charges { get; init; }

    public bool Passed => LostOrders == 0 && ContradictedAnswers == 0 && PendingOrders == 0 && DoubleCharges == 0 && PaidWithoutCharge == 0
        && OrphanCharges == 0 && ChargesOfUnpaidOrders == 0 && UnpublishedEvents == 0 && FinalOrdersWithoutEvent == 0 && KeysWithDifferentOrders == 0;

    /// <summary>Each check with its count, in the report's order.</summary>
    public IEnumerable<(string Check, int Count)> Checks() =>
    [
        ("lost orders (answered, not in the database)", LostOrders),
        ("double charges (orders with > 1 approved charge)", DoubleCharges),
        ("orphan charges (approved, no such order)", OrphanCharges),
        ("answers the database contradicts (201 not Paid, 402 not PaymentFailed)", ContradictedAnswers),
        ("orders not in a final state (still Pending)", PendingOrders),
        ("paid orders without their approved charge", PaidWithoutCharge),
        ("approved charges of orders not Paid with them", ChargesOfUnpaidOrders),
        ("outbox rows not published", UnpublishedEvents),
        ("final orders without an outbox row", FinalOrdersWithoutEvent),
        ("retried keys answered with different orders", KeysWithDifferentOrders),
    ];
}

/// <summary>The soak's databases: the orders and payments databases of the suite's PostgreSQL server.</summary>
internal sealed record SoakDatabases(string Orders, string Payments)
{
    public static SoakDatabases On(string server) => new(
        new NpgsqlConnectionStringBuilder(server) { Database = "orders", Pooling = false }.ConnectionString,
        new NpgsqlConnectionStringBuilder(server) { Database = "payments", Pooling = false }.ConnectionString);
}

/// <summary>Reads the orders, charges and outbox with SQL and checks them against each other and against the answers.</summary>
internal static class SoakReconciliation
{
    private sealed record OrderRow(string Status, Guid? PaymentId, bool HasEvent);

    /// <summary>Orders still Pending and outbox rows not yet published: what the suite still has to finish.</summary>
    public static async Task<(long Pending, long Unpublished)> BacklogAsync(SoakDatabases databases, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(databases.Orders);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM orders WHERE status = 'Pending'), (SELECT count(*) FROM outbox_messages WHERE published_at IS NULL)", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public static async Task<ReconciliationResult> RunAsync(SoakDatabases databases, IReadOnlyCollection<CheckoutAnswer> answers, CancellationToken cancellationToken)
    {
        var orders = new Dictionary<Guid, OrderRow>();
        long unpublished;
        await using (var connection = new NpgsqlConnection(databases.Orders))
        {
            await connection.OpenAsync(cancellationToken);
            await using (var command = new NpgsqlCommand(
                "SELECT o.id, o.status, o.payment_id, EXISTS (SELECT 1 FROM outbox_messages m WHERE m.order_id = o.id) FROM orders o", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    orders[reader.GetGuid(0)] = new OrderRow(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetBoolean(3));
                }
            }

            await using var outbox = new NpgsqlCommand("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL", connection);
            unpublished = (long)(await outbox.ExecuteScalarAsync(cancellationToken))!;
        }

        var approved = new List<(Guid Id, Guid OrderId)>();
        var charges = 0;
        await using (var connection = new NpgsqlConnection(databases.Payments))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT id, order_id, status FROM payments", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                charges++;
                if (reader.GetString(2) == "Approved")
                {
                    approved.Add((reader.GetGuid(0), reader.GetGuid(1)));
                }
            }
        }

        var approvedIds = approved.ToHashSet();
        var answered = answers.Where(a => a.OrderId is not null).ToList();
        var answeredIds = answered.Select(a => a.OrderId!.Value).ToHashSet();
        var byKey = answers.GroupBy(a => a.IdempotencyKey).ToList();
        return new ReconciliationResult
        {
            AnsweredOrders = answeredIds.Count,
            LostOrders = answeredIds.Count(id => !orders.ContainsKey(id)),
            ContradictedAnswers = answered.Count(a => orders.TryGetValue(a.OrderId!.Value, out var o)
                && ((a.Status == 201 && o.Status != "Paid") || (a.Status == 402 && o.Status != "PaymentFailed"))),
            PendingOrders = orders.Values.Count(o => o.Status == "Pending"),
            DoubleCharges = approved.GroupBy(c => c.OrderId).Count(g => g.Count() > 1),
            PaidWithoutCharge = orders.Count(o => o.Value.Status == "Paid" && (o.Value.PaymentId is not { } p || !approvedIds.Contains((p, o.Key)))),
            OrphanCharges = approved.Count(c => !orders.ContainsKey(c.OrderId)),
            ChargesOfUnpaidOrders = approved.Count(c => orders.TryGetValue(c.OrderId, out var o) && (o.Status != "Paid" || o.PaymentId != c.Id)),
            UnpublishedEvents = (int)unpublished,
            FinalOrdersWithoutEvent = orders.Values.Count(o => o.Status != "Pending" && !o.HasEvent),
            KeysWithDifferentOrders = byKey.Count(g => g.Select(a => a.OrderId).OfType<Guid>().Distinct().Count() > 1),
            RetriedKeys = byKey.Count(g => g.Count() > 1),
            Orders = orders.Count,
            Charges = charges,
        };
    }
}
