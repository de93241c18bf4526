using System.Collections.Frozen;

namespace Shop.Contracts;

/// <summary>The ISO 4217 currencies the suite accepts, with their minor-unit digits (EUR 2: cents; JPY 0).</summary>
public static class Currencies
{
    private static readonly FrozenDictionary<string, int> MinorDigits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["AED"] = 2, ["AUD"] = 2, ["BHD"] = 3, ["BRL"] = 2, ["CAD"] = 2, ["CHF"] = 2, ["CNY"] = 2, ["CZK"] = 2,
        ["DKK"] = 2, ["EUR"] = 2, ["GBP"] = 2, ["HKD"] = 2, ["HUF"] = 2, ["ILS"] = 2, ["INR"] = 2, ["ISK"] = 0,
        ["JPY"] = 0, ["KRW"] = 0, ["KWD"] = 3, ["MXN"] = 2, ["NOK"] = 2, ["NZD"] = 2, ["PLN"] = 2, ["SAR"] = 2,
        ["SEK"] = 2, ["SGD"] = 2, ["TRY"] = 2, ["USD"] = 2, ["ZAR"] = 2,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>What a validation error says about a currency that is not accepted.</summary>
    public const string Requirement = "must be an ISO 4217 code in upper case, such as EUR, USD, GBP, CHF or JPY";

    /// <summary>True for an accepted code; codes are case-sensitive (upper case), as ISO 4217 writes them.</summary>
    public static bool IsKnown(string? code) => code is not null && MinorDigits.ContainsKey(code);

    /// <summary>Digits after the decimal point: 2 for EUR (cents), 0 for JPY, 3 for KWD.</summary>
    public static int MinorUnitDigits(string code) => MinorDigits[code];

    /// <summary>
    /// The amount in minor units (12.50 EUR → 1250), or null when it has more decimals than the
    /// currency's minor unit or does not fit.
    /// </summary>
    public static long? ToMinorUnits(decimal amount, string code)
    {
        var scaled = amount * Pow10(MinorUnitDigits(code));
        return scaled == decimal.Truncate(scaled) && scaled is >= long.MinValue and <= long.MaxValue ? (long)scaled : null;
    }

    /// <summary>The exact amount in major units: 1250 EUR → 12.50, 1250 JPY → 1250.</summary>
    public static decimal FromMinorUnits(long amountMinor, string code) => amountMinor / Pow10(MinorUnitDigits(code));

    /// <summary>The amount in major units as a measurement value (for metrics); unknown codes count as 2 digits.</summary>
    public static double ToMajorUnits(long amountMinor, string code) =>
        (double)(amountMinor / Pow10(MinorDigits.TryGetValue(code, out var digits) ? digits : 2));

    private static decimal Pow10(int digits) => digits switch { 0 => 1m, 1 => 10m, 2 => 100m, _ => 1000m };
}
