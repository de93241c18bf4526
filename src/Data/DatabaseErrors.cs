using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Shop.Data;

/// <summary>Reads what PostgreSQL said when a write failed.</summary>
public static class DatabaseErrors
{
    /// <summary>True when <paramref name="exception"/> is a unique violation of the index or constraint <paramref name="constraint"/>.</summary>
    public static bool IsUniqueViolation(DbUpdateException exception, string constraint) =>
        exception?.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres
        && postgres.ConstraintName == constraint;

    /// <summary>What a caller is told when the database cannot be reached: nothing about the exception itself.</summary>
    public const string UnavailableMessage = "The service's database is unavailable; try again.";

    /// <summary>True when retrying later could succeed: the database was unreachable, restarting or timed out.</summary>
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }
}
