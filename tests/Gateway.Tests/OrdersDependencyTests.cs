using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shop.Gateway.Orders;

namespace Shop.Gateway.Tests;

/// <summary>
/// The gateway as Program.cs builds it, on Kestrel, calling an orders stand-in on a real loopback port that answers from
/// a script and records what it was sent. The real orders service cannot be made to answer a 503 once or to hang on
/// demand; the end-to-end tests run the real one.
/// </summary>
public sealed class OrdersDependencyTests
{
    private static readonly Guid OrderId = Guid.Parse("0193a6f0-0000-7000-8000-000000000001");

    [Fact]
    public async Task Orders_is_addressed_by_name_and_found_through_its_Services_entry()
    {
        await using var orders = await OrdersStandIn.StartAsync((context, _) => Answer(context, StatusCodes.Status200OK));
        await using var gateway = await GatewayHost.StartAsync(orders.BaseUrl);

        using var response = await gateway.Http.GetAsync($"/api/orders/{OrderId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OrderId, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        var request = Assert.Single(orders.Requests);
        Assert.Equal($"GET /orders/{OrderId}", request.Line);
    }

    [Fact]
    public async Task A_checkout_answered_503_is_sent_again_with_the_same_Idempotency_Key_and_body()
    {
        await using var orders = await OrdersStandIn.StartAsync((context, attempt) =>
            Answer(context, attempt == 1 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status201Created));
        await using var gateway = await GatewayHost.StartAsync(orders.BaseUrl);
        var client = gateway.App.Services.GetRequiredService<OrdersClient>();

        var placed = await client.PlaceAsync(
            new PlaceOrderRequest(Guid.NewGuid(), "EUR", [new PlaceOrderLine("BOOK-1", 2, 1250)]), "key-503", CancellationToken.None);

        Assert.Equal(StatusCodes.Status201Created, placed.StatusCode);
        Assert.Equal(OrderId, placed.Order?.Id);
        Assert.Equal(2, orders.Requests.Count);
        Assert.All(orders.Requests, r => Assert.Equal(("POST /orders", "key-503"), (r.Line, r.IdempotencyKey)));
        Assert.Equal(orders.Requests.First().Body, orders.Requests.Last().Body);
        Assert.Contains("BOOK-1", orders.Requests.First().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orders_that_never_answers_is_tried_three_times_then_a_504_problem()
    {
        await using var orders = await OrdersStandIn.StartAsync(Hang);
        await using var gateway = await GatewayHost.StartAsync(orders.BaseUrl, new()
        {
            ["Gateway:OrdersTimeout"] = "00:00:00.300",
            ["Gateway:OrdersTotalTimeout"] = "00:00:30",
        });

        using var response = await gateway.Http.GetAsync($"/api/orders/{OrderId}");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var problem = await Problem(response);
        Assert.Equal("orders", problem.GetProperty("dependency").GetString());
        Assert.Equal("The orders service did not answer in time", problem.GetProperty("title").GetString());
        Assert.Equal(3, orders.Requests.Count);
    }

    [Fact]
    public async Task A_total_timeout_shorter_than_the_attempts_ends_the_call_with_a_504_problem()
    {
        await using var orders = await OrdersStandIn.StartAsync(Hang);
        await using var gateway = await GatewayHost.StartAsync(orders.BaseUrl, new()
        {
            ["Gateway:OrdersTimeout"] = "00:00:01",
            ["Gateway:OrdersTotalTimeout"] = "00:00:01",
        });

        using var response = await gateway.Http.GetAsync($"/api/orders/{OrderId}");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("orders", (await Problem(response)).GetProperty("dependency").GetString());
        Assert.Single(orders.Requests);
    }

    [Fact]
    public async Task Orders_that_keeps_failing_opens_the_circuit_and_the_gateway_stops_calling_it()
    {
        await using var orders = await OrdersStandIn.StartAsync((context, _) => Answer(context, StatusCodes.Status503ServiceUnavailable));
        await using var gateway = await GatewayHost.StartAsync(orders.BaseUrl);
        const string paused = "Calls to orders kept failing";

        // 3 attempts per request, 10 failures at least before the breaker may open: within a handful of requests.
        string? detail = null;
        for (var i = 0; i < 10 && detail?.StartsWith(paused, StringComparison.Ordinal) != true; i++)
        {
            using var failing = await gateway.Http.GetAsync($"/api/orders/{OrderId}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
            detail = (await Problem(failing)).GetProperty("detail").GetString();
        }

        Assert.StartsWith(paused, detail, StringComparison.Ordinal);
        var sent = orders.Requests.Count;
        using var rejected = await gateway.Http.GetAsync($"/api/orders/{OrderId}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.StartsWith(paused, (await Problem(rejected)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(sent, orders.Requests.Count);
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Never answers: the gateway's timeout, not the machine's speed, ends the attempt.</summary>
    private static Task Hang(HttpContext context, int attempt) =>
        Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);

    private static Task Answer(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        if (status >= 400)
        {
            return Task.CompletedTask;
        }

        var now = DateTimeOffset.UtcNow;
        return context.Response.WriteAsJsonAsync(new OrderDto(OrderId, Guid.NewGuid(), null, "Paid", "EUR", 2500,
            [new OrderLineDto("BOOK-1", 2, 1250, 2500)], "pay-1", null, now, now));
    }

    /// <summary>The gateway built as src/Gateway/Program.cs builds it, listening on a free loopback port.</summary>
    private sealed class GatewayHost(WebApplication app) : IAsyncDisposable
    {
        public WebApplication App { get; } = app;

        public HttpClient Http { get; } = new() { BaseAddress = new Uri(Address(app)) };

        public static async Task<GatewayHost> StartAsync(string ordersUrl, Dictionary<string, string?>? settings = null)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? [])
            {
                // The configuration key of the variable Services__orders__http__0 that Aspire sets.
                ["Services:orders:http:0"] = ordersUrl,
                ["Services:users:grpc:0"] = "http://127.0.0.1:1",
            });
            builder.AddServiceDefaults(options => options.AcceptIncomingBaggage = false);
            builder.AddGateway();
            var app = builder.Build();
            app.MapDefaultEndpoints();
            app.MapGateway();
            await app.StartAsync();
            return new GatewayHost(app);
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await App.DisposeAsync();
        }
    }

    /// <summary>An HTTP server standing in for orders: answers each request by <c>answer(context, attempt number)</c> and records it.</summary>
    private sealed class OrdersStandIn(WebApplication app) : IAsyncDisposable
    {
        public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

        public string BaseUrl => Address(app);

        public static async Task<OrdersStandIn> StartAsync(Func<HttpContext, int, Task> answer)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var standIn = new OrdersStandIn(app);
            app.Run(async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync(context.RequestAborted);
                standIn.Requests.Enqueue(new RecordedRequest(
                    $"{context.Request.Method} {context.Request.Path}", context.Request.Headers["Idempotency-Key"].ToString(), body));
                await answer(context, standIn.Requests.Count);
            });
            await app.StartAsync();
            return standIn;
        }

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }

    private sealed record RecordedRequest(string Line, string IdempotencyKey, string Body);

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
}
