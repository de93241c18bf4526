using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using Shop.Conventions;
using Shop.Data;
using Shop.Orders.Storage;

namespace Shop.Orders.Outbox;

/// <summary>
/// Publishes outbox rows in small batches, at least once: rows are claimed with FOR UPDATE SKIP LOCKED (so several
/// instances share the work), published, and marked published in the same transaction. "Publishing" is a log record and
/// a Producer span; the span starts a new trace with a link to the checkout trace stored on the row, and the row's
/// baggage (tenant.id, order.id) restored: the asynchronous propagation case.
/// </summary>
internal sealed partial class OutboxPublisher(IServiceScopeFactory scopes, IOptions<OrdersOptions> options, ILogger<OutboxPublisher> logger)
    : PeriodicWorker(options.Value.Outbox.PollInterval, logger)
{
    public const string Destination = "order-events";
    public const string MessagingSystem = "outbox";
    public const string SpanName = "publish " + Destination;

    private readonly OrdersOptions.OutboxOptions _options = options.Value.Outbox;

    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        // A full batch means there may be more: go on without waiting.
        while (await PublishBatchAsync(cancellationToken) == _options.BatchSize)
        {
        }
    }

    /// <summary>Publishes up to one batch; returns how many rows it published.</summary>
    internal async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        var (transaction, batch) = await ClaimAsync(db, cancellationToken);
        await using (transaction)
        {
            if (batch.Count == 0)
            {
                // Rolling back an empty claim is as untraced as the poll that made it.
                using (SuppressInstrumentationScope.Begin())
                {
                    await transaction.RollbackAsync(cancellationToken);
                }

                return 0;
            }

            foreach (var message in batch)
            {
                using var activity = message.Context.StartLinkedActivity(OrdersTelemetry.Source, SpanName, ActivityKind.Producer,
                [
                    new(TelemetryAttributes.MessagingSystem, MessagingSystem),
                    new(TelemetryAttributes.MessagingOperationType, "publish"),
                    new(TelemetryAttributes.MessagingDestinationName, Destination),
                    new(TelemetryAttributes.MessagingMessageId, message.Id.ToString()),
                    new(TelemetryAttributes.OrderId, message.OrderId.ToString()),
                ]);
                LogPublished(logger, message.EventType, message.Id, message.OrderId, message.Payload);
                message.PublishedAt = DatabaseTime.UtcNow;
            }

            // One SaveChanges for the batch, not one per message: its UPDATEs go in one round trip and commit with the
            // claim, or not at all (then the rows are published again: at least once; consumers deduplicate on the message
            // id). Untraced like the claim: it is the poll's bookkeeping, after the publish spans, and would be a root span.
            using (SuppressInstrumentationScope.Begin())
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            return batch.Count;
        }
    }

    /// <summary>
    /// Claims the oldest unpublished rows. Untraced: this poll runs every second on every instance and almost always
    /// finds nothing, and each poll would otherwise be a trace of its own (a root database span) that buries real traces.
    /// Work that is found is traced, from the publish span on.
    /// </summary>
    private async Task<(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction, List<OutboxMessage>)> ClaimAsync(
        OrdersDbContext db, CancellationToken cancellationToken)
    {
        using (SuppressInstrumentationScope.Begin())
        {
            // A savepoint per SaveChanges (EF's default inside a transaction) would only add round trips: the batch is
            // all or nothing anyway.
            db.Database.AutoSavepointsEnabled = false;
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var batch = await db.OutboxMessages
                .FromSql($"SELECT * FROM outbox_messages WHERE published_at IS NULL ORDER BY id LIMIT {_options.BatchSize} FOR UPDATE SKIP LOCKED")
                .ToListAsync(cancellationToken);
            return (transaction, batch);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {EventType} {MessageId} for order {OrderId} to " + Destination + ": {Payload}")]
    private static partial void LogPublished(ILogger logger, string eventType, Guid messageId, Guid orderId, string payload);
}
