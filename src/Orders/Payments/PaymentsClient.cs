using Shop.Contracts.Payments.V1;
using Shop.Grpc;

namespace Shop.Orders.Payments;

/// <summary>The typed client of shop.payments.v1.PaymentsService (address from Services:payments:grpc:0).</summary>
internal sealed class PaymentsClient(CallInvoker invoker)
{
    private static readonly Method<ChargeRequest, ChargeResponse> Charge = new(PaymentsReflection.Descriptor.Services[0], "Charge");

    public Task<ChargeResponse> ChargeAsync(ChargeRequest request, DateTime deadline, CancellationToken cancellationToken) =>
        invoker.UnaryAsync(Charge, request, new CallOptions(Deadline: deadline, CancellationToken: cancellationToken));
}
