using Microsoft.EntityFrameworkCore;
using Shop.Contracts.Payments.V1;
using Shop.Data;
using Shop.Orders.Outbox;
using Shop.Orders.Storage;

namespace Shop.Orders.Ordering;

/// <summary>
/// Moves a Pending order to its final state and writes the outbox event in the same transaction. The status is the
/// concurrency token, so when the checkout and the reconciler both complete an order, one wins and the other reads its result.
/// </summary>
internal sealed partial class OrderCompletion(OrdersDbContext db, ILogger<OrderCompletion> logger)
{
    /// <summary>Paid or PaymentFailed from the charge's answer. <paramref name="order"/> must be tracked by this scope's context.</summary>
    public Task<Order> ApplyAsync(Order order, ChargeResponse charge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(charge);
        var payment = charge.Payment;
        var paymentId = Guid.Parse(payment.Id);
        if (payment.Status == PaymentStatus.Approved)
        {
            order.MarkPaid(paymentId, DatabaseTime.UtcNow);
        }
        else
        {
            order.MarkPaymentFailed(paymentId, payment.DeclineReason.Length > 0 ? payment.DeclineReason : "payment declined", DatabaseTime.UtcNow);
        }

        return SaveAsync(order, cancellationToken);
    }

    /// <summary>PaymentFailed without a payment, for an order payments never answered in time.</summary>
    public Task<Order> FailAsync(Order order, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        order.MarkPaymentFailed(null, reason, DatabaseTime.UtcNow);
        return SaveAsync(order, cancellationToken);
    }

    private async Task<Order> SaveAsync(Order order, CancellationToken cancellationToken)
    {
        db.OutboxMessages.Add(OutboxMessage.For(order, order.UpdatedAt));
        try
        {
            // One batch, one implicit transaction: the UPDATE of the order (only while it is still Pending) and the INSERT
            // of its event. When another worker completed the order first, the UPDATE matches no row and the INSERT breaks
            // the one-event-per-order index, so PostgreSQL rolls both back.
            await db.SaveChangesAsOneBatchAsync(cancellationToken);
            LogCompleted(logger, order.Id, order.Status);
            return order;
        }
        catch (DbUpdateException e) when (e is DbUpdateConcurrencyException || DatabaseErrors.IsUniqueViolation(e, OrdersDbContext.OneEventPerOrderIndex))
        {
            // Another worker completed it first, with the same payment (charges are idempotent on the order id): its result stands.
            db.ChangeTracker.Clear();
            return await db.Orders.AsNoTracking().Include(o => o.Lines).SingleAsync(o => o.Id == order.Id, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId} is {Status}")]
    private static partial void LogCompleted(ILogger logger, Guid orderId, OrderStatus status);
}
