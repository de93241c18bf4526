using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Shop.Testing;

namespace Shop.EndToEnd.Tests;

/// <summary>
/// Orders slower than the gateway's timeout (payments delayed by its fault injection, so orders waits on the charge):
/// the client gets a 504 problem, and repeating the checkout with its Idempotency-Key yields the one order, charged once.
/// </summary>
public sealed class SlowOrdersTests : IAsyncLifetime
{
    private ShopSuite _suite = null!;

    public async Task InitializeAsync() => _suite = await ShopSuite.StartAsync(new Dictionary<string, IReadOnlyDictionary<string, string?>>
    {
        // Total and attempt timeout alike: a slow attempt ends the call, however the machine schedules the retry.
        [ShopSuite.Gateway] = new Dictionary<string, string?>
        {
            ["Gateway__OrdersTimeout"] = "00:00:03",
            ["Gateway__OrdersTotalTimeout"] = "00:00:03",
        },
    });

    public async Task DisposeAsync() => await _suite.DisposeAsync();

    [Fact]
    public async Task Checkout_slower_than_the_gateway_timeout_is_a_504_problem_and_its_key_still_yields_one_order_charged_once()
    {
        var userId = await _suite.Http.RegisterUserAsync();
        var key = $"slow-{Guid.NewGuid():N}";

        // Longer than the suite's 15 s deadline per charge attempt: orders cannot answer within 3 s.
        await SetPaymentLatencyAsync(30_000);
        using (var slow = await _suite.Http.SendAsync(Api.Checkout(userId, key)))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
            Assert.Equal("application/problem+json", slow.Content.Headers.ContentType?.MediaType);
            var problem = await slow.Json();
            Assert.Equal("orders", problem.GetProperty("dependency").GetString());
            Assert.Equal("The orders service did not answer in time", problem.GetProperty("title").GetString());
        }

        await SetPaymentLatencyAsync(0);
        using var again = await _suite.Http.SendAsync(Api.Checkout(userId, key));

        // 202 when the slow attempt had stored the order (still Pending), 201 when it had not got that far.
        Assert.Contains(again.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Accepted });
        var orderId = (await again.Json()).GetProperty("id").GetString()!;
        Assert.Equal("Paid", await _suite.Http.WaitForOrderStatusAsync(orderId, "Paid", TimeSpan.FromSeconds(90)));
        var orders = await _suite.Http.GetFromJsonAsync<JsonElement>($"/api/users/{userId}/orders");
        Assert.Equal(orderId, Assert.Single(orders.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(1L, await _suite.CountPaymentsAsync(orderId));
    }

    private async Task SetPaymentLatencyAsync(int latencyMs)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/admin/faults") { Content = JsonContent.Create(new { latencyMs }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ShopSuite.PaymentsAdminToken);
        using var response = await _suite[ShopSuite.Payments].Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
