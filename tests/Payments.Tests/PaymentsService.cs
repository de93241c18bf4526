using Grpc.Core;
using Shop.Payments.Storage;
using Shop.Testing;
using V1 = Shop.Contracts.Payments.V1;

namespace Shop.Payments.Tests;

/// <summary>The payments service as a process on its own database, exporting telemetry to an in-test receiver.</summary>
public sealed class PaymentsService() : GrpcServiceFixture<PaymentsClient>("payments", invoker => new PaymentsClient(invoker))
{
    public const string AdminToken = "test-admin-token";

    protected override IReadOnlyDictionary<string, string?> Environment { get; } =
        new Dictionary<string, string?> { ["Payments__AdminToken"] = AdminToken };

    /// <summary>A context on <paramref name="connectionString"/>, configured as the service configures its own.</summary>
    public static PaymentsDbContext OpenDatabase(string connectionString) =>
        DatabaseSchema.Open<PaymentsDbContext>(connectionString, options => new(options));
}

/// <summary>A typed client of shop.payments.v1.PaymentsService.</summary>
public sealed class PaymentsClient(CallInvoker invoker)
{
    private readonly V1.PaymentsService.PaymentsServiceClient _client = new(invoker);

    public Task<V1.ChargeResponse> ChargeAsync(V1.ChargeRequest request, TimeSpan? timeout = null) =>
        _client.ChargeAsync(request, deadline: DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30))).ResponseAsync;

    public Task<V1.Payment> GetAsync(string id) =>
        _client.GetPaymentAsync(new V1.GetPaymentRequest { Id = id }, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync;

    /// <summary>A valid request for a new order: a fresh key, a fresh order id.</summary>
    public static V1.ChargeRequest NewCharge(long amountMinor = 1250, string currency = "EUR") => new()
    {
        IdempotencyKey = Guid.NewGuid().ToString(),
        OrderId = Guid.NewGuid().ToString(),
        UserId = Guid.NewGuid().ToString(),
        Amount = new V1.Money { AmountMinor = amountMinor, Currency = currency },
    };
}
