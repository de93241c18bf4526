using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Shop.AppHost.Tests;

/// <summary>The public API calls the tests make (shapes as in tests/EndToEnd.Tests).</summary>
internal static class Checkout
{
    public static async Task<string> RegisterUserAsync(HttpClient http, Uri gateway)
    {
        using var response = await http.PostAsJsonAsync(new Uri(gateway, "/api/users"), new { name = "Ada Lovelace", email = $"ada-{Guid.NewGuid():N}@example.com" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Registers a user and places an order for them; returns the order as answered.</summary>
    public static async Task<JsonElement> PlaceOrderAsync(HttpClient http, Uri gateway)
    {
        var userId = await RegisterUserAsync(http, gateway);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/api/orders"))
        {
            Content = JsonContent.Create(new
            {
                userId,
                currency = "EUR",
                lines = new object[] { new { sku = "BOOK-1", quantity = 2, unitPrice = 12.50m }, new { sku = "PEN-7", quantity = 1, unitPrice = 3.20m } },
            }),
        };
        request.Headers.Add("Idempotency-Key", $"apphost-{Guid.NewGuid():N}");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"checkout answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
