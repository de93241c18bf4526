using Shop.Data;
using Shop.Contracts.Payments.V1;
using Shop.Orders;
using Shop.Orders.Checkout;
using Shop.Orders.Ordering;
using Shop.Orders.Outbox;
using Shop.Orders.Payments;
using Shop.Orders.Reconciliation;
using Shop.Orders.Storage;

namespace Microsoft.Extensions.Hosting;

/// <summary>The orders service: its database, the payments client, the HTTP API and the two background workers.</summary>
public static class OrdersApplication
{
    /// <summary>Registers the orders database (ConnectionStrings:orders), the payments client (Services:payments:grpc:0) and the workers.</summary>
    public static IHostApplicationBuilder AddOrders(this IHostApplicationBuilder builder)
    {
        builder.AddShopDatabase<OrdersDbContext>("orders");
        builder.Services.AddOptions<OrdersOptions>().BindConfiguration(OrdersOptions.Section)
            .Validate(o => o.Payments.MaxAttempts >= 1, $"{OrdersOptions.Section}:Payments:MaxAttempts must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddServiceGrpcClient<PaymentsService.PaymentsServiceClient>("payments");
        builder.Services.AddSingleton<PaymentCharger>();
        builder.Services.AddScoped<OrderCompletion>();
        builder.Services.AddScoped<CheckoutHandler>();
        builder.Services.AddHostedService<PaymentReconciler>();
        builder.Services.AddHostedService<OutboxPublisher>();
        return builder;
    }

    /// <summary>Maps POST /orders, GET /orders/{id} and GET /orders?userId=.</summary>
    public static WebApplication MapOrders(this WebApplication app)
    {
        app.MapOrdersApi();
        return app;
    }
}
