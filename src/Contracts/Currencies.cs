using System.Collections.Frozen;

namespace Shop.Contracts;

/// <summary>The ISO 4217 currencies the suite accepts, with the number of digits of their minor unit.</summary>
public static class Currencies
{
    private static readonly FrozenDictionary<string, int> MinorDigits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["AUD"] = 2, ["BRL"] = 2, ["CAD"] = 2, ["CHF"] = 2, ["CNY"] = 2, ["CZK"] = 2, ["DKK"] = 2, ["EUR"] = 2,
        ["GBP"] = 2, ["HKD"] = 2, ["HUF"] = 2, ["INR"] = 2, ["JPY"] = 0, ["KRW"] = 0, ["MXN"] = 2, ["NOK"] = 2,
        ["NZD"] = 2, ["PLN"] = 2, ["SEK"] = 2, ["SGD"] = 2, ["USD"] = 2, ["ZAR"] = 2, ["BHD"] = 3, ["KWD"] = 3,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>True for a supported code, written in upper case as ISO 4217 does.</summary>
    public static bool IsSupported(string? code) => code is not null && MinorDigits.ContainsKey(code);

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

    /// <summary>The amount in major units (1250 EUR → 12.50).</summary>
    public static decimal FromMinorUnits(long minor, string code) => minor / Pow10(MinorUnitDigits(code));

    private static decimal Pow10(int digits) => digits switch { 0 => 1m, 1 => 10m, 2 => 100m, _ => 1000m };
}
