using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Npgsql;
using Shop.Hosting;
using Shop.Orders.Checkout;
using Shop.Testing;

namespace Shop.Orders.Tests;

/// <summary>
/// Orders and the real payments service as processes, each on its own database, exporting telemetry to one receiver.
/// Payments keeps its gRPC port across restarts, so orders finds it again. Workers run fast for tests.
/// Usable as a class fixture or, for tests that stop payments, one test's own.
/// </summary>
public sealed class CheckoutServices : IAsyncLifetime, IAsyncDisposable
{
    public const string AdminToken = "orders-tests-admin-token";

    private readonly int _paymentsGrpcPort = FreePort.Next();

    public OtlpReceiver Telemetry { get; private set; } = null!;

    public PostgresDatabase PaymentsDatabase { get; } = new();

    public PostgresDatabase OrdersDatabase { get; } = new();

    public ServiceProcess? Payments { get; private set; }

    public ServiceProcess Orders { get; private set; } = null!;

    /// <summary>Settings for orders on top of the fast workers below, e.g. workers that never run.</summary>
    public IReadOnlyDictionary<string, string?> OrdersSettings { get; init; } = new Dictionary<string, string?>();

    public static async Task<CheckoutServices> StartAsync(IReadOnlyDictionary<string, string?>? ordersSettings = null)
    {
        var stack = new CheckoutServices { OrdersSettings = ordersSettings ?? new Dictionary<string, string?>() };
        try
        {
            await stack.InitializeAsync();
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public async Task InitializeAsync()
    {
        Telemetry = await OtlpReceiver.StartAsync();
        await PaymentsDatabase.InitializeAsync();
        await OrdersDatabase.InitializeAsync();
        await StartPaymentsAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Services__payments__grpc__0"] = $"http://127.0.0.1:{_paymentsGrpcPort}",
            ["Orders__Payments__RetryDelay"] = "00:00:00.100",
            // The 2 s attempt deadline suits production; on a starved test machine a first Charge can take longer, and
            // its retry is not the behaviour under test (a decline must not be retried). Tests of the deadline set their own.
            ["Orders__Payments__AttemptTimeout"] = "00:00:15",
            ["Orders__Reconciler__Interval"] = "00:00:00.500",
            ["Orders__Reconciler__MinAge"] = "00:00:01",
            ["Orders__Outbox__PollInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in OrdersSettings)
        {
            settings[key] = value;
        }

        Orders = await SuiteService.StartAsync("orders", OrdersDatabase, Telemetry, settings);
    }

    public async Task StartPaymentsAsync() =>
        Payments = await SuiteService.StartAsync("payments", PaymentsDatabase, Telemetry,
            new Dictionary<string, string?> { ["Payments__AdminToken"] = AdminToken }, grpcPort: _paymentsGrpcPort);

    public async Task StopPaymentsAsync()
    {
        if (Payments is { } payments)
        {
            Payments = null;
            await payments.DisposeAsync();
        }
    }

    /// <summary>Sends POST /orders as the child of a fresh sampled trace, with baggage tenant.id when given.</summary>
    public async Task<(HttpResponseMessage Response, string TraceId)> PlaceOrderAsync(object? body, string? idempotencyKey, string? tenant = null)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = JsonContent.Create(body) };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        if (idempotencyKey is not null)
        {
            request.Headers.Add(Conventions.ShopHeaders.IdempotencyKey, idempotencyKey);
        }

        if (tenant is not null)
        {
            request.Headers.Add("baggage", $"tenant.id={tenant}");
        }

        return (await Orders.Http.SendAsync(request), traceId);
    }

    /// <summary>A valid order body: one line of two BOOK-1 at 12.50, unless told otherwise.</summary>
    public static object Body(Guid userId, long unitPriceMinor = 1250, int quantity = 2, string currency = "EUR") => new
    {
        userId,
        currency,
        lines = new[] { new { sku = "BOOK-1", quantity, unitPriceMinor } },
    };

    public async Task<OrderResponse> GetOrderAsync(Guid id) =>
        (await Orders.Http.GetFromJsonAsync<OrderResponse>($"/orders/{id}"))!;

    /// <summary>Polls GET /orders/{id} until the order has <paramref name="status"/>; fails after a generous timeout.</summary>
    public async Task<OrderResponse> WaitForStatusAsync(Guid id, string status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var order = await GetOrderAsync(id);
            if (order.Status == status)
            {
                return order;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Order {id} is still {order.Status}, not {status}.");
            await Task.Delay(200);
        }
    }

    /// <summary>How many payment rows payments stored for the order, read from its database.</summary>
    public async Task<long> PaymentRowsAsync(Guid orderId)
    {
        await using var dataSource = NpgsqlDataSource.Create(PaymentsDatabase.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM payments WHERE order_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = orderId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>PUT /admin/faults on payments.</summary>
    public async Task SetPaymentFaultsAsync(double failureRate = 0, int latencyMs = 0)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/faults")
        {
            Content = JsonContent.Create(new { failureRate, latencyMs }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await Payments!.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        // Whatever started is stopped, even when a later step of InitializeAsync failed.
        if (Orders is not null)
        {
            await Orders.DisposeAsync();
        }

        await StopPaymentsAsync();
        if (Telemetry is not null)
        {
            await Telemetry.DisposeAsync();
        }

        await OrdersDatabase.DisposeAsync();
        await PaymentsDatabase.DisposeAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
}
