using System.Text.Json;
using System.Text.RegularExpressions;
using Shop.Contracts;
using Shop.Conventions;

namespace Shop.Gateway.Orders;

/// <summary>Body of POST /api/orders: prices in major units of the currency (12.50 EUR).</summary>
public sealed record CheckoutRequest(string? UserId, string? Currency, IReadOnlyList<CheckoutLine>? Lines);

public sealed record CheckoutLine(string? Sku, int? Quantity, decimal? UnitPrice);

/// <summary>A checkout that passed validation, ready for the orders service.</summary>
internal sealed record ValidCheckout(Guid UserId, string IdempotencyKey, PlaceOrderRequest Order);

/// <summary>
/// Reads and validates a checkout, collecting every field error (RFC 9457 validation problem):
/// also the ones a JSON type mismatch causes, which model binding would report as a bare 400.
/// </summary>
internal static partial class CheckoutValidation
{
    public const int MaxLines = 100;
    public const int MaxQuantity = 1000;
    public const decimal MaxUnitPrice = 1_000_000m;

    public static async Task<(ValidCheckout? Checkout, Dictionary<string, string[]> Errors)> ReadAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var key = http.Headers[ShopHeaders.IdempotencyKey].ToString();
        if (!IsValidIdempotencyKey(key))
        {
            errors[ShopHeaders.IdempotencyKey] = ["header is required: 1 to 200 printable ASCII characters, the same for every retry of this checkout"];
        }

        CheckoutRequest? body = null;
        var readable = true;
        if (!http.HasJsonContentType())
        {
            errors["body"] = ["must be JSON (Content-Type: application/json)"];
            readable = false;
        }
        else
        {
            try
            {
                body = await http.ReadFromJsonAsync<CheckoutRequest>(cancellationToken);
            }
            catch (JsonException e)
            {
                errors[FieldOf(e.Path)] = ["has a value of the wrong type or malformed JSON"];
                readable = false;
            }
        }

        if (body is null)
        {
            if (readable)
            {
                errors["body"] = ["is required"];
            }

            return (null, errors);
        }

        var order = Validate(body, errors);
        return errors.Count == 0 && order is not null
            ? (new ValidCheckout(order.UserId, key, order), errors)
            : (null, errors);
    }

    private static PlaceOrderRequest? Validate(CheckoutRequest body, Dictionary<string, string[]> errors)
    {
        if (!Guid.TryParse(body.UserId, out var userId))
        {
            errors["userId"] = ["must be the UUID of a registered user"];
        }

        var currency = body.Currency;
        if (!Currencies.IsKnown(currency))
        {
            errors["currency"] = [Currencies.Requirement];
            currency = null;
        }

        if (body.Lines is not { Count: > 0 and <= MaxLines } lines)
        {
            errors["lines"] = [$"must hold 1 to {MaxLines} lines"];
            return null;
        }

        var valid = new List<PlaceOrderLine>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var at = $"lines[{i}]";
            if (line is null)
            {
                errors[at] = ["is required"];
                continue;
            }

            if (line.Sku is null || !SkuPattern().IsMatch(line.Sku))
            {
                errors[$"{at}.sku"] = ["must be 1 to 64 letters, digits, '.', '_' or '-'"];
            }

            if (line.Quantity is not (>= 1 and <= MaxQuantity))
            {
                errors[$"{at}.quantity"] = [$"must be a whole number from 1 to {MaxQuantity}"];
            }

            long? minor = null;
            if (line.UnitPrice is not (> 0 and <= MaxUnitPrice))
            {
                errors[$"{at}.unitPrice"] = [$"must be more than 0 and at most {MaxUnitPrice}"];
            }
            else if (currency is not null && (minor = Currencies.ToMinorUnits(line.UnitPrice.Value, currency)) is null)
            {
                errors[$"{at}.unitPrice"] = [$"has more decimals than {currency} has ({Currencies.MinorUnitDigits(currency)})"];
            }

            if (minor is { } unitPriceMinor && line.Sku is not null && line.Quantity is { } quantity)
            {
                valid.Add(new PlaceOrderLine(line.Sku, quantity, unitPriceMinor));
            }
        }

        return errors.Count == 0 ? new PlaceOrderRequest(userId, currency!, valid) : null;
    }

    internal static bool IsValidIdempotencyKey(string key) =>
        key.Length is >= 1 and <= 200 && key.All(c => c is >= '!' and <= '~');

    /// <summary>"$.lines[0].quantity" → "lines[0].quantity".</summary>
    private static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "body" : jsonPath.TrimStart('$', '.');

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SkuPattern();
}
