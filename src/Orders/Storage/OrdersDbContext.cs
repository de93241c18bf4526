using Microsoft.EntityFrameworkCore;
using Shop.Data;
using Shop.Orders.Ordering;
using Shop.Orders.Outbox;

namespace Shop.Orders.Storage;

/// <summary>The orders database: orders with their lines, and the outbox.</summary>
public sealed class OrdersDbContext(DbContextOptions<OrdersDbContext> options) : DbContext(options)
{
    /// <summary>At most one outbox event per order: the final state an order reaches once (OrderCompletion relies on it).</summary>
    public const string OneEventPerOrderIndex = "ix_outbox_messages_order_id";

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.HasKey(o => o.Id);
            order.Property(o => o.TenantId).HasMaxLength(Order.MaxTenantIdLength);
            order.Property(o => o.IdempotencyKey).HasMaxLength(Order.MaxIdempotencyKeyLength);
            order.Property(o => o.RequestHash).HasMaxLength(64).IsFixedLength();
            order.Property(o => o.Status).HasConversion<string>().HasMaxLength(16).IsConcurrencyToken();
            order.Property(o => o.Currency).HasMaxLength(3).IsFixedLength();
            order.Property(o => o.FailureReason).HasMaxLength(Order.MaxFailureReasonLength);
            order.Property(o => o.CheckoutTraceParent).HasMaxLength(StoredTraceContext.MaxTraceParentLength);
            order.Property(o => o.CheckoutTraceState).HasMaxLength(StoredTraceContext.MaxTraceStateLength);
            order.Property(o => o.CheckoutBaggage).HasMaxLength(StoredTraceContext.MaxBaggageLength);
            order.HasMany(o => o.Lines).WithOne().HasForeignKey(l => l.OrderId).OnDelete(DeleteBehavior.Cascade);
            order.HasIndex(o => new { o.UserId, o.IdempotencyKey }).IsUnique();
            order.HasIndex(o => new { o.UserId, o.CreatedAt });
            // What the reconciler looks for: only Pending rows are in this index, so it stays small.
            order.HasIndex(o => o.CreatedAt).HasFilter("status = 'Pending'").HasDatabaseName("ix_orders_pending_created_at");
        });

        modelBuilder.Entity<OrderLine>(line =>
        {
            line.ToTable("order_lines");
            line.HasKey(l => new { l.OrderId, l.LineNumber });
            line.Property(l => l.Sku).HasMaxLength(OrderLine.MaxSkuLength);
        });

        modelBuilder.Entity<OutboxMessage>(message =>
        {
            message.HasKey(m => m.Id);
            message.Property(m => m.EventType).HasMaxLength(OutboxMessage.MaxEventTypeLength);
            message.Property(m => m.Payload).HasColumnType("jsonb");
            message.Property(m => m.TraceParent).HasMaxLength(StoredTraceContext.MaxTraceParentLength);
            message.Property(m => m.TraceState).HasMaxLength(StoredTraceContext.MaxTraceStateLength);
            message.Property(m => m.Baggage).HasMaxLength(StoredTraceContext.MaxBaggageLength);
            // What the publisher polls: only unpublished rows are in this index.
            message.HasIndex(m => m.Id).HasFilter("published_at IS NULL").HasDatabaseName("ix_outbox_messages_unpublished");
            message.HasIndex(m => m.OrderId).IsUnique().HasDatabaseName(OneEventPerOrderIndex);
        });

        modelBuilder.UseSnakeCaseNames();
    }
}
