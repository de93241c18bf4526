using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Shop.Contracts;
using Shop.Orders.Ordering;

namespace Shop.Orders.Checkout;

/// <summary>The body of POST /orders. Everything is optional here so that each missing or bad field gets its own error.</summary>
public sealed record PlaceOrderRequest(string? UserId, string? Currency, List<PlaceOrderLine?>? Lines);

public sealed record PlaceOrderLine(string? Sku, int? Quantity, long? UnitPriceMinor);

/// <summary>A request that passed validation, with the totals computed.</summary>
internal sealed record ValidOrder(Guid UserId, string Currency, IReadOnlyList<OrderLine> Lines, long TotalMinor, string RequestHash);

internal static class OrderValidation
{
    public const int MaxLines = 100;
    public const int MaxQuantity = 1000;
    public const long MaxUnitPriceMinor = 100_000_000;

    private static readonly SearchValues<char> SkuCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    /// <summary>The validated order, or the errors keyed by field (JSON path, or the header name).</summary>
    public static (ValidOrder? Order, Dictionary<string, string[]> Errors) Validate(string? idempotencyKey, PlaceOrderRequest? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (!IsIdempotencyKey(idempotencyKey))
        {
            errors[Conventions.ShopHeaders.IdempotencyKey] = [$"header is required: 1 to {Order.MaxIdempotencyKeyLength} printable ASCII characters"];
        }

        if (request is null)
        {
            errors["body"] = ["a JSON body is required"];
            return (null, errors);
        }

        if (!Guid.TryParse(request.UserId, out var userId))
        {
            errors["userId"] = ["must be a UUID"];
        }

        if (!Currencies.IsKnown(request.Currency))
        {
            errors["currency"] = [Currencies.Requirement];
        }

        var lines = new List<OrderLine>();
        if (request.Lines is not { Count: > 0 and <= MaxLines })
        {
            errors["lines"] = [$"must hold 1 to {MaxLines} lines"];
        }
        else
        {
            for (var i = 0; i < request.Lines.Count; i++)
            {
                if (ValidateLine(request.Lines[i], $"lines[{i}]", errors) is { } line)
                {
                    lines.Add(new OrderLine
                    {
                        LineNumber = i + 1,
                        Sku = line.Sku!,
                        Quantity = line.Quantity!.Value,
                        UnitPriceMinor = line.UnitPriceMinor!.Value,
                        LineTotalMinor = checked(line.Quantity.Value * line.UnitPriceMinor.Value),
                    });
                }
            }
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        // Bounded above (100 lines of at most 1000 × 100 000 000), so this cannot overflow; checked says so.
        var total = lines.Aggregate(0L, (sum, line) => checked(sum + line.LineTotalMinor));
        return (new ValidOrder(userId, request.Currency!, lines, total, Hash(userId, request.Currency!, lines)), errors);
    }

    public static bool IsIdempotencyKey(string? key) => IsPrintableAscii(key, Order.MaxIdempotencyKeyLength);

    /// <summary>1 to <paramref name="maxLength"/> characters from space to tilde.</summary>
    public static bool IsPrintableAscii(string? value, int maxLength) =>
        value is { Length: > 0 } && value.Length <= maxLength && value.All(c => c is >= ' ' and <= '~');

    private static PlaceOrderLine? ValidateLine(PlaceOrderLine? line, string path, Dictionary<string, string[]> errors)
    {
        if (line is null)
        {
            errors[path] = ["must be a line object"];
            return null;
        }

        var valid = true;
        if (line.Sku is not { Length: > 0 and <= OrderLine.MaxSkuLength } sku || sku.AsSpan().ContainsAnyExcept(SkuCharacters))
        {
            errors[$"{path}.sku"] = [$"must be 1 to {OrderLine.MaxSkuLength} characters of A-Z a-z 0-9 . _ -"];
            valid = false;
        }

        if (line.Quantity is not (>= 1 and <= MaxQuantity))
        {
            errors[$"{path}.quantity"] = [$"must be 1 to {MaxQuantity}"];
            valid = false;
        }

        if (line.UnitPriceMinor is not (>= 1 and <= MaxUnitPriceMinor))
        {
            errors[$"{path}.unitPriceMinor"] = [$"must be 1 to {MaxUnitPriceMinor}"];
            valid = false;
        }

        return valid ? line : null;
    }

    /// <summary>SHA-256 (hex) of the normalized request: what decides whether a repeated key is the same request.</summary>
    private static string Hash(Guid userId, string currency, List<OrderLine> lines)
    {
        var text = new StringBuilder().Append(userId.ToString("D")).Append('|').Append(currency);
        foreach (var line in lines)
        {
            text.Append('|').Append(line.Sku).Append(':').Append(line.Quantity.ToString(CultureInfo.InvariantCulture))
                .Append(':').Append(line.UnitPriceMinor.ToString(CultureInfo.InvariantCulture));
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
