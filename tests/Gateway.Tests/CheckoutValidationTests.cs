using System.Text;
using Microsoft.AspNetCore.Http;
using Shop.Gateway.Orders;

namespace Shop.Gateway.Tests;

public sealed class CheckoutValidationTests
{
    [Fact]
    public async Task Valid_checkout_becomes_an_order_in_minor_units()
    {
        var (checkout, errors) = await Read("""{"userId":"6f1c1d2e-8a8b-4c1d-9a7e-1d2f3a4b5c6d","currency":"EUR","lines":[{"sku":"BOOK-1","quantity":2,"unitPrice":12.50}]}""");

        Assert.Empty(errors);
        Assert.NotNull(checkout);
        Assert.Equal("key-1", checkout.IdempotencyKey);
        var line = Assert.Single(checkout.Order.Lines);
        Assert.Equal(new PlaceOrderLine("BOOK-1", 2, 1250), line);
    }

    [Fact]
    public async Task Every_invalid_field_is_reported_at_once()
    {
        var (checkout, errors) = await Read("""{"userId":"nope","currency":"eur","lines":[{"sku":"bad sku","quantity":0,"unitPrice":-1},{"sku":"OK","quantity":1,"unitPrice":1}]}""", key: "");

        Assert.Null(checkout);
        Assert.Equal(
            new[] { "Idempotency-Key", "currency", "lines[0].quantity", "lines[0].sku", "lines[0].unitPrice", "userId" },
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("EUR", "1.234")]
    [InlineData("JPY", "10.5")]
    public async Task Prices_with_more_decimals_than_the_currency_are_rejected(string currency, string price)
    {
        var (_, errors) = await Read($$"""{"userId":"6f1c1d2e-8a8b-4c1d-9a7e-1d2f3a4b5c6d","currency":"{{currency}}","lines":[{"sku":"A","quantity":1,"unitPrice":{{price}}}]}""");

        Assert.Contains("lines[0].unitPrice", errors.Keys);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_reported_at_its_path()
    {
        var (_, errors) = await Read("""{"userId":"6f1c1d2e-8a8b-4c1d-9a7e-1d2f3a4b5c6d","currency":"EUR","lines":[{"sku":"A","quantity":"two","unitPrice":1}]}""");

        Assert.Equal(["lines[0].quantity"], errors.Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("ünicode")]
    public void Idempotency_keys_are_printable_ascii_without_spaces(string key) =>
        Assert.False(CheckoutValidation.IsValidIdempotencyKey(key));

    [Fact]
    public async Task Missing_lines_and_non_json_bodies_are_reported()
    {
        var (_, noLines) = await Read("""{"userId":"6f1c1d2e-8a8b-4c1d-9a7e-1d2f3a4b5c6d","currency":"EUR","lines":[]}""");
        var (_, notJson) = await Read("userId=1", contentType: "application/x-www-form-urlencoded");

        Assert.Contains("lines", noLines.Keys);
        Assert.Contains("body", notJson.Keys);
    }

    private static Task<(ValidCheckout? Checkout, Dictionary<string, string[]> Errors)> Read(string json, string key = "key-1", string contentType = "application/json")
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = contentType;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(json));
        if (key.Length > 0)
        {
            context.Request.Headers["Idempotency-Key"] = key;
        }

        return CheckoutValidation.ReadAsync(context.Request, CancellationToken.None);
    }
}
