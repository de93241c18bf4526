using Grpc.Core;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Shop.Contracts;
using Shop.Conventions;
using Shop.Data;
using Shop.Payments.Faults;
using Shop.Payments.Storage;
using V1 = Shop.Contracts.Payments.V1;

namespace Shop.Payments.Charging;

/// <summary>shop.payments.v1.PaymentsService: idempotent charges and their lookup.</summary>
internal sealed partial class PaymentsApi(
    PaymentsDbContext db, FaultInjector faults, IOptions<PaymentsOptions> options, ILogger<PaymentsApi> logger)
    : V1.PaymentsService.PaymentsServiceBase
{
    public const string DeclinedOverLimit = "amount exceeds limit";
    private const string IdempotencyKeyIndex = "ix_payments_idempotency_key";

    /// <summary>
    /// Charges once per idempotency key: a repeat with the same amount, currency and order returns the stored
    /// result (replayed), a repeat with anything else is FAILED_PRECONDITION. The INSERT comes first and the unique
    /// index decides, so a new charge costs one statement; a repeat, earlier or concurrent, reads the stored row.
    /// </summary>
    public override async Task<V1.ChargeResponse> Charge(V1.ChargeRequest request, ServerCallContext context)
    {
        var charge = Validate(request);
        var activity = Activity.Current;
        activity?.SetTag(TelemetryAttributes.OrderId, charge.OrderId.ToString());
        await faults.ApplyAsync(context.CancellationToken);

        var replayed = false;
        var payment = Decide(charge);
        db.Payments.Add(payment);
        try
        {
            await db.SaveChangesAsync(context.CancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e, IdempotencyKeyIndex))
        {
            // The key was charged before, by an earlier call or a concurrent one that stored its payment first: that
            // payment is the result (the violation is raised once the other transaction committed, so the lookup finds it).
            db.ChangeTracker.Clear();
            replayed = true;
            payment = await FindAsync(charge.IdempotencyKey, context.CancellationToken)
                ?? throw new InvalidOperationException("The payment that holds the idempotency key is gone.");
        }

        if (payment.AmountMinor != charge.AmountMinor || payment.Currency != charge.Currency || payment.OrderId != charge.OrderId)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "idempotency_key: was already used for a charge with another amount, currency or order"));
        }

        var outcome = payment.Status == PaymentStatus.Approved ? PaymentsTelemetry.Approved : PaymentsTelemetry.Declined;
        activity?.SetTag(TelemetryAttributes.PaymentId, payment.Id.ToString());
        activity?.SetTag(TelemetryAttributes.PaymentOutcome, outcome);
        activity?.SetTag(TelemetryAttributes.PaymentReplayed, replayed);
        if (!replayed)
        {
            PaymentsTelemetry.CountOutcome(outcome);
            LogCharged(logger, payment.Id, payment.OrderId, outcome);
        }

        return new V1.ChargeResponse { Payment = ToMessage(payment), Replayed = replayed };
    }

    public override async Task<V1.Payment> GetPayment(V1.GetPaymentRequest request, ServerCallContext context)
    {
        if (!Guid.TryParse(request.Id, out var id))
        {
            throw InvalidArgument("id: must be a UUID");
        }

        Activity.Current?.SetTag(TelemetryAttributes.PaymentId, id.ToString());
        var payment = await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"payment {id} not found"));
        return ToMessage(payment);
    }

    private static ValidCharge Validate(V1.ChargeRequest request)
    {
        if (request.IdempotencyKey.Length is 0 or > Payment.MaxIdempotencyKeyLength)
        {
            throw InvalidArgument($"idempotency_key: must be 1 to {Payment.MaxIdempotencyKeyLength} characters");
        }

        if (!Guid.TryParse(request.OrderId, out var orderId))
        {
            throw InvalidArgument("order_id: must be a UUID");
        }

        Guid? userId = null;
        if (request.UserId.Length > 0)
        {
            userId = Guid.TryParse(request.UserId, out var parsed) ? parsed : throw InvalidArgument("user_id: must be a UUID when set");
        }

        if (request.Amount is null || request.Amount.AmountMinor <= 0)
        {
            throw InvalidArgument("amount.amount_minor: must be greater than 0");
        }

        if (!Currencies.IsKnown(request.Amount.Currency))
        {
            throw InvalidArgument($"amount.currency: {Currencies.Requirement}");
        }

        return new ValidCharge(request.IdempotencyKey, orderId, userId, request.Amount.AmountMinor, request.Amount.Currency);
    }

    private Payment Decide(ValidCharge charge)
    {
        var declined = charge.AmountMinor > options.Value.DeclineAboveMinor;
        return new Payment
        {
            Id = Guid.CreateVersion7(),
            IdempotencyKey = charge.IdempotencyKey,
            OrderId = charge.OrderId,
            UserId = charge.UserId,
            AmountMinor = charge.AmountMinor,
            Currency = charge.Currency,
            Status = declined ? PaymentStatus.Declined : PaymentStatus.Approved,
            DeclineReason = declined ? DeclinedOverLimit : null,
            CreatedAt = DatabaseTime.UtcNow,
        };
    }

    private Task<Payment?> FindAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.IdempotencyKey == idempotencyKey, cancellationToken);

    private static V1.Payment ToMessage(Payment payment) => new()
    {
        Id = payment.Id.ToString(),
        IdempotencyKey = payment.IdempotencyKey,
        OrderId = payment.OrderId.ToString(),
        Amount = new V1.Money { AmountMinor = payment.AmountMinor, Currency = payment.Currency },
        Status = payment.Status == PaymentStatus.Approved ? V1.PaymentStatus.Approved : V1.PaymentStatus.Declined,
        DeclineReason = payment.DeclineReason ?? "",
        CreatedAt = Timestamp.FromDateTimeOffset(payment.CreatedAt),
    };

    private static RpcException InvalidArgument(string detail) => new(new Status(StatusCode.InvalidArgument, detail));

    private sealed record ValidCharge(string IdempotencyKey, Guid OrderId, Guid? UserId, long AmountMinor, string Currency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Payment {PaymentId} for order {OrderId}: {Outcome}")]
    private static partial void LogCharged(ILogger logger, Guid paymentId, Guid orderId, string outcome);
}
