using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Shop.Testing;

namespace Shop.EndToEnd.Tests;

/// <summary>One running suite shared by the tests of the collection (tests that stop services start their own).</summary>
public sealed class SuiteFixture : IAsyncLifetime
{
    public ShopSuite Suite { get; private set; } = null!;

    public async Task InitializeAsync() => Suite = await ShopSuite.StartAsync();

    public async Task DisposeAsync() => await Suite.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedSuite : ICollectionFixture<SuiteFixture>
{
    public const string Name = "suite";
}

/// <summary>Requests a test makes through the public API.</summary>
internal static class Api
{
    public static async Task<string> RegisterUserAsync(this HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/api/users", new { name = "Ada Lovelace", email = $"ada-{Guid.NewGuid():N}@example.com" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public static HttpRequestMessage Checkout(string userId, string idempotencyKey, decimal unitPrice = 12.50m, string? tenant = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new
            {
                userId,
                currency = "EUR",
                lines = new object[] { new { sku = "BOOK-1", quantity = 2, unitPrice }, new { sku = "PEN-7", quantity = 1, unitPrice = 3.20m } },
            }),
        };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant-Id", tenant);
        }

        configure?.Invoke(request);
        return request;
    }

    public static async Task<JsonElement> Json(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    public static string TraceIdOf(HttpResponseMessage response) =>
        response.Headers.GetValues("traceresponse").Single().Split('-')[1];

    /// <summary>Reads the order until it has <paramref name="status"/> or <paramref name="timeout"/> passed; the last status read.</summary>
    public static async Task<string?> WaitForOrderStatusAsync(this HttpClient http, string orderId, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var order = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{orderId}");
            last = order.GetProperty("status").GetString();
            if (last == status)
            {
                return last;
            }

            await Task.Delay(250);
        }

        return last;
    }

    /// <summary>The number of payments the payments database holds for the order.</summary>
    public static async Task<long> CountPaymentsAsync(this ShopSuite suite, string orderId)
    {
        await using var connection = new NpgsqlConnection(suite.ConnectionStrings[ShopSuite.Payments]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM payments WHERE order_id = @order", connection);
        command.Parameters.AddWithValue("order", Guid.Parse(orderId));
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
