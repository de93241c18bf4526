using Microsoft.EntityFrameworkCore;
using Shop.Data;
using Shop.Payments.Charging;

namespace Shop.Payments.Storage;

/// <summary>The payments database: one row per charge, unique by idempotency key.</summary>
public sealed class PaymentsDbContext(DbContextOptions<PaymentsDbContext> options) : DbContext(options)
{
    public DbSet<Payment> Payments => Set<Payment>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Payment>(payment =>
        {
            payment.HasKey(p => p.Id);
            payment.Property(p => p.IdempotencyKey).HasMaxLength(Payment.MaxIdempotencyKeyLength);
            payment.Property(p => p.Currency).HasMaxLength(3).IsFixedLength();
            payment.Property(p => p.Status).HasConversion<string>().HasMaxLength(16);
            payment.Property(p => p.DeclineReason).HasMaxLength(Payment.MaxDeclineReasonLength);
            payment.HasIndex(p => p.IdempotencyKey).IsUnique();
            payment.HasIndex(p => p.OrderId);
        });
        modelBuilder.UseSnakeCaseNames();
    }
}
