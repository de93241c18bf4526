using System.Globalization;

namespace Shop.Grpc;

/// <summary>The grpc-timeout header: 1 to 8 ASCII digits followed by a unit, H M S m u or n.</summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    // Coarsest last: Format picks the finest unit whose value still fits in 8 digits.
    private static readonly (char Unit, long Ticks)[] Units =
    [
        ('u', TimeSpan.TicksPerMicrosecond),
        ('m', TimeSpan.TicksPerMillisecond),
        ('S', TimeSpan.TicksPerSecond),
        ('M', TimeSpan.TicksPerMinute),
        ('H', TimeSpan.TicksPerHour),
    ];

    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (value is null || value.Length is < 2 or > 9)
        {
            return false;
        }

        var digits = value.AsSpan(0, value.Length - 1);
        if (digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        var unit = value[^1];
        if (unit == 'n')
        {
            // A tick is 100 ns; round up so a short timeout does not become zero.
            timeout = TimeSpan.FromTicks((amount + 99) / 100);
            return true;
        }

        foreach (var (name, ticks) in Units)
        {
            if (name == unit)
            {
                // 99,999,999 hours in ticks still fits in a long.
                timeout = TimeSpan.FromTicks(amount * ticks);
                return true;
            }
        }

        return false;
    }

    /// <summary>Formats a positive timeout in the finest unit that fits, rounded up to a whole unit.</summary>
    public static string Format(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        foreach (var (unit, ticks) in Units)
        {
            var amount = (timeout.Ticks / ticks) + (timeout.Ticks % ticks == 0 ? 0 : 1);
            if (amount <= MaxValue)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{amount}{unit}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{MaxValue}H");
    }
}
