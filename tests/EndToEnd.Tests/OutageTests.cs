using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
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
        var final = await WaitForStatus(orderId!, "Paid", TimeSpan.FromSeconds(90));

        Assert.Equal("Paid", final);
        await using var connection = new NpgsqlConnection(_suite.ConnectionStrings[ShopSuite.Payments]);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM payments WHERE order_id = @order", connection);
        count.Parameters.AddWithValue("order", Guid.Parse(orderId!));
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Users_down_is_a_503_problem_not_an_exception()
    {
        var userId = await _suite.Http.RegisterUserAsync();
        await _suite.StopAsync(ShopSuite.Users);
        try
        {
            using var response = await _suite.Http.SendAsync(Api.Checkout(userId, $"nousers-{Guid.NewGuid():N}"));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Json();
            Assert.Equal("users", problem.GetProperty("dependency").GetString());
            Assert.DoesNotContain("Exception", problem.ToString(), StringComparison.Ordinal);
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

    private async Task<string?> WaitForStatus(string orderId, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var order = await _suite.Http.GetFromJsonAsync<JsonElement>($"/api/orders/{orderId}");
            last = order.GetProperty("status").GetString();
            if (last == status)
            {
                return last;
            }

            await Task.Delay(250);
        }

        return last;
    }
}
