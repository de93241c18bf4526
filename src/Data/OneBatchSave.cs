using Microsoft.EntityFrameworkCore;

namespace Shop.Data;

/// <summary>
/// SaveChanges in one round trip. EF Core wraps a SaveChanges of more than one statement in a transaction of its own, and
/// its COMMIT is a round trip of its own (EF Core issue 27532). PostgreSQL needs none for a batch: the statements of one
/// batch run in one implicit transaction, all or nothing, committed when the batch ends, as durable as an explicit COMMIT.
/// </summary>
public static class OneBatchSave
{
    /// <summary>
    /// Saves <paramref name="db"/>'s changes as one batch without EF Core's transaction (inside a transaction of the
    /// caller's, as part of it). For changes that fit one batch (Npgsql's MaxBatchSize, 1000 statements unless configured)
    /// and whose atomicity does not rest on EF Core's own checks: when an UPDATE or DELETE matches no row, EF Core throws
    /// <see cref="DbUpdateConcurrencyException"/> after PostgreSQL has committed the rest of the batch, so the caller must
    /// make such a case fail in PostgreSQL too (a unique index, for example), which rolls the whole batch back.
    /// </summary>
    public static async Task<int> SaveChangesAsOneBatchAsync(this DbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var behavior = db.Database.AutoTransactionBehavior;
        db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        try
        {
            return await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            db.Database.AutoTransactionBehavior = behavior;
        }
    }
}
