using System.Net;
using Shop.Testing;

namespace Shop.EndToEnd.Tests;

/// <summary>Dependencies that go down: nothing accepted is lost, nothing is charged twice, errors are problems.</summary>
public sealed class OutageTests : IAsyncLifetime
{
    private ShopSuite _suite = null!;

    public async Task InitializeAsync() => _suite = await ShopSuite.StartAsync();

    public async Task DisposeAsync() => await _suite.DisposeAsync();

    [Fact]
    public async Task Checkout_while_payments_is_down_is_accepted_and_completes_once_payments_is_back()
    {
        var userId = await _suite.Http.RegisterUserAsync();
        await _suite.StopAsync(ShopSuite.Payments);

        using var response = await _suite.Http.SendAsync(Api.Checkout(userId, $"outage-{Guid.NewGuid():N}"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Json();
        Assert.Equal("Pending", accepted.GetProperty("status").GetString());
        var orderId = accepted.GetProperty("id").GetString();

        await _suite.StartAsync(ShopSuite.Payments);
        var final = await _suite.Http.WaitForOrderStatusAsync(orderId!, "Paid", TimeSpan.FromSeconds(90));

        Assert.Equal("Paid", final);
        Assert.Equal(1L, await _suite.CountPaymentsAsync(orderId!));
    }

    [Fact]
    public async Task Users_down_is_a_503_problem_for_a_user_the_gateway_has_not_seen_and_no_obstacle_for_one_it_knows()
    {
        var userId = await _suite.Http.RegisterUserAsync();
        var knownUserId = await _suite.Http.RegisterUserAsync();
        using (var first = await _suite.Http.SendAsync(Api.Checkout(knownUserId, $"known-{Guid.NewGuid():N}")))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode); // the gateway now knows this user exists
        }

        await _suite.StopAsync(ShopSuite.Users);
        try
        {
            using var response = await _suite.Http.SendAsync(Api.Checkout(userId, $"nousers-{Guid.NewGuid():N}"));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Json();
            Assert.Equal("users", problem.GetProperty("dependency").GetString());
            Assert.DoesNotContain("Exception", problem.ToString(), StringComparison.Ordinal);

            using var known = await _suite.Http.SendAsync(Api.Checkout(knownUserId, $"known-{Guid.NewGuid():N}"));
            Assert.Equal(HttpStatusCode.Created, known.StatusCode);
        }
        finally
        {
            await _suite.StartAsync(ShopSuite.Users);
        }
    }

    [Fact]
    public async Task Orders_down_is_a_503_problem()
    {
        var userId = await _suite.Http.RegisterUserAsync();
        await _suite.StopAsync(ShopSuite.Orders);
        try
        {
            using var response = await _suite.Http.SendAsync(Api.Checkout(userId, $"noorders-{Guid.NewGuid():N}"));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("orders", (await response.Json()).GetProperty("dependency").GetString());
        }
        finally
        {
            await _suite.StartAsync(ShopSuite.Orders);
        }
    }
}
