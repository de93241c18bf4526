using Grpc.Core;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using Shop.Conventions;
using Shop.Data;
using Shop.Orders.Ordering;
using Shop.Orders.Payments;
using Shop.Orders.Storage;

namespace Shop.Orders.Reconciliation;

/// <summary>
/// Finishes orders a checkout left Pending (payments was unreachable, or the checkout died mid-way): charges them
/// again with the same idempotency key, so never twice, until they are Paid or PaymentFailed; an order still Pending
/// after MaxAge becomes PaymentFailed "payment service unavailable". No order is ever left Pending for good.
/// Each order's work is a trace of its own, linked to its checkout trace.
/// </summary>
internal sealed partial class PaymentReconciler(IServiceScopeFactory scopes, IOptions<OrdersOptions> options, ILogger<PaymentReconciler> logger)
    : PeriodicWorker(options.Value.Reconciler.Interval, logger)
{
    public const string SpanName = "reconcile order payment";
    public const string UnavailableReason = "payment service unavailable";

    private readonly OrdersOptions.ReconcilerOptions _options = options.Value.Reconciler;

    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        foreach (var (id, checkout) in await FindDueAsync(cancellationToken))
        {
            if (!await ReconcileAsync(id, checkout, cancellationToken))
            {
                // Payments is still unreachable: the rest waits for the next round instead of each waiting out its deadline.
                return;
            }
        }
    }

    /// <summary>The oldest orders Pending for at least MinAge. Untraced, as the outbox poll is: it runs every few seconds and usually finds nothing.</summary>
    private async Task<List<(Guid Id, StoredTraceContext Checkout)>> FindDueAsync(CancellationToken cancellationToken)
    {
        using (SuppressInstrumentationScope.Begin())
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
            var due = DatabaseTime.UtcNow - _options.MinAge;
            var orders = await db.Orders.AsNoTracking()
                .Where(o => o.Status == OrderStatus.Pending && o.CreatedAt <= due)
                .OrderBy(o => o.CreatedAt)
                .Take(_options.BatchSize)
                .Select(o => new { o.Id, o.CheckoutTraceParent, o.CheckoutTraceState, o.CheckoutBaggage })
                .ToListAsync(cancellationToken);
            return [.. orders.Select(o => (o.Id, new StoredTraceContext(o.CheckoutTraceParent, o.CheckoutTraceState, o.CheckoutBaggage)))];
        }
    }

    /// <summary>Charges or fails one order; false when payments could not be reached.</summary>
    private async Task<bool> ReconcileAsync(Guid id, StoredTraceContext checkout, CancellationToken cancellationToken)
    {
        using var activity = checkout.StartLinkedActivity(OrdersTelemetry.Source, SpanName, ActivityKind.Internal,
            [new(TelemetryAttributes.OrderId, id.ToString())]);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        var order = await db.Orders.Include(o => o.Lines).SingleAsync(o => o.Id == id, cancellationToken);
        if (order.Status != OrderStatus.Pending)
        {
            return true;
        }

        var completion = scope.ServiceProvider.GetRequiredService<OrderCompletion>();
        if (DatabaseTime.UtcNow - order.CreatedAt > _options.MaxAge)
        {
            order = await completion.FailAsync(order, UnavailableReason, cancellationToken);
        }
        else
        {
            try
            {
                var charge = await scope.ServiceProvider.GetRequiredService<PaymentCharger>().ChargeAsync(order, cancellationToken);
                order = await completion.ApplyAsync(order, charge, cancellationToken);
            }
            catch (RpcException e)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.Status.Detail);
                activity?.SetTag(TelemetryAttributes.ErrorType, e.StatusCode.ToString());
                LogStillPending(logger, id, e.StatusCode);
                return !PaymentCharger.IsTransient(e.StatusCode);
            }
        }

        activity?.SetTag(TelemetryAttributes.OrderStatus, OrdersTelemetry.StatusValue(order.Status));
        OrdersTelemetry.CountReconciled(order.Status);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId} is still Pending: payments answered {StatusCode}")]
    private static partial void LogStillPending(ILogger logger, Guid orderId, StatusCode statusCode);
}
