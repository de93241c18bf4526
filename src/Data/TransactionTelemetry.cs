using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Shop.Conventions;

namespace Shop.Data;

/// <summary>
/// A client span for each COMMIT and ROLLBACK that EF Core sends, SaveChanges' own transactions included. Npgsql traces
/// commands only, and a commit is no command: without this span the round trip that waits for PostgreSQL to flush the
/// write-ahead log (the slowest step of a durable write on a slow disk) shows in a trace as the caller's own time.
/// </summary>
internal sealed class TransactionTelemetry : DbTransactionInterceptor
{
    public static readonly TransactionTelemetry Instance = new();

    private static readonly ActivitySource Source = new(TelemetrySources.Data);

    private static readonly ConcurrentDictionary<(string Operation, string Database), string> SpanNames = new();

    // The span of each transaction's COMMIT or ROLLBACK in flight. The interceptor's calls for one transaction run one
    // after the other, but not in one async context: EF awaits them from different methods.
    private readonly ConcurrentDictionary<Guid, Activity> _ending = new();

    private TransactionTelemetry()
    {
    }

    // EF Core calls the sync or the async method of each pair; the async ones complete at once.
    public override InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result) =>
        Start(transaction, eventData, Commit, result);

    public override ValueTask<InterceptionResult> TransactionCommittingAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Start(transaction, eventData, Commit, result));

    public override InterceptionResult TransactionRollingBack(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result) =>
        Start(transaction, eventData, Rollback, result);

    public override ValueTask<InterceptionResult> TransactionRollingBackAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Start(transaction, eventData, Rollback, result));

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Stop(eventData, null);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        Stop(eventData, null);

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Stop(eventData, null);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        Stop(eventData, null);

    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Stop(eventData, eventData.Exception);

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default) =>
        Stop(eventData, eventData.Exception);

    private const string Commit = "COMMIT";
    private const string Rollback = "ROLLBACK";

    private InterceptionResult Start(DbTransaction transaction, TransactionEventData eventData, string operation, InterceptionResult result)
    {
        var current = Activity.Current;
        var connection = transaction.Connection as NpgsqlConnection;
        // The span name follows the database conventions, "{db.operation.name} {db.namespace}", as Npgsql's CONNECT spans;
        // made once per database, not per span.
        var name = connection?.Database is { } database
            ? SpanNames.GetOrAdd((operation, database), static key => $"{key.Operation} {key.Database}")
            : operation;
        var activity = Source.StartActivity(name, ActivityKind.Client);
        // No child runs under it, and the caller's context must not change: EF Core's own awaits decide what is current.
        Activity.Current = current;
        if (activity is null)
        {
            return result;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(TelemetryAttributes.DbSystemName, "postgresql");
            activity.SetTag(TelemetryAttributes.DbOperationName, operation);
            if (connection is not null)
            {
                activity.SetTag(TelemetryAttributes.DbNamespace, connection.Database);
                activity.SetTag(TelemetryAttributes.ServerAddress, connection.Host);
                activity.SetTag(TelemetryAttributes.ServerPort, connection.Port);
            }
        }

        _ending[eventData.TransactionId] = activity;
        return result;
    }

    private Task Stop(TransactionEventData eventData, Exception? exception)
    {
        if (!_ending.TryRemove(eventData.TransactionId, out var activity))
        {
            return Task.CompletedTask;
        }

        if (exception is not null)
        {
            // The SQLSTATE or the exception's type, never its message: a PostgreSQL error's detail can carry row values.
            var postgres = exception as PostgresException;
            activity.SetStatus(ActivityStatusCode.Error, postgres?.SqlState ?? exception.GetType().Name);
            activity.SetTag(TelemetryAttributes.ErrorType, postgres?.SqlState ?? exception.GetType().FullName);
            activity.SetTag(TelemetryAttributes.DbResponseStatusCode, postgres?.SqlState);
        }

        activity.Stop();
        return Task.CompletedTask;
    }
}
