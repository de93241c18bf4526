using Shop.Data;
using Grpc.Core;
using Shop.Payments.Charging;
using Shop.Payments.Faults;
using Shop.Payments.Storage;

namespace Microsoft.Extensions.Hosting;

/// <summary>The payments service: its database, its gRPC API and the fault-injection admin API.</summary>
public static class PaymentsApplication
{
    /// <summary>Registers the payments database (ConnectionStrings:payments), the gRPC server and fault injection (Payments:Faults).</summary>
    public static IHostApplicationBuilder AddPayments(this IHostApplicationBuilder builder)
    {
        builder.AddShopDatabase<PaymentsDbContext>("payments");
        builder.Services.AddOptions<PaymentsOptions>().BindConfiguration(PaymentsOptions.Section);

        // Checked now: a fault setting that cannot work should stop the service, not surprise a workshop later.
        var faults = builder.Configuration.GetSection(FaultSettings.Section).Get<FaultSettings>() ?? new FaultSettings();
        if (faults.Validate() is { Count: > 0 } errors)
        {
            throw new InvalidOperationException("Invalid fault injection settings: " +
                string.Join("; ", errors.Select(e => $"{FaultSettings.Section}:{e.Key} {string.Join(", ", e.Value)}")));
        }

        builder.Services.AddSingleton(new FaultInjector(faults));
        // A database that cannot be reached is a transient failure for callers (UNAVAILABLE: retry), not a bug (INTERNAL).
        builder.AddGrpcServer(e => DatabaseErrors.IsTransient(e) ? new Status(StatusCode.Unavailable, DatabaseErrors.UnavailableMessage) : null);
        return builder;
    }

    /// <summary>Maps shop.payments.v1.PaymentsService (on the Protocols=Http2 endpoint) and GET/PUT /admin/faults.</summary>
    public static WebApplication MapPayments(this WebApplication app)
    {
        app.MapGrpcServer<PaymentsApi>();
        app.MapFaultsAdmin();
        return app;
    }
}
