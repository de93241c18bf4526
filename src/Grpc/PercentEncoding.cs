using System.Text;

namespace Shop.Grpc;

/// <summary>
/// grpc-message encoding: UTF-8, then every byte outside space..'~' and '%' itself as %XX.
/// Decoding never fails: a broken %-sequence stays as it is, invalid UTF-8 becomes U+FFFD.
/// </summary>
internal static class PercentEncoding
{
    public static string Encode(string value)
    {
        if (value.All(IsUnreserved))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (IsUnreserved((char)b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(Convert.ToHexString([b]));
            }
        }

        return builder.ToString();
    }

    public static string Decode(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length && char.IsAsciiHexDigit(value[i + 1]) && char.IsAsciiHexDigit(value[i + 2]))
            {
                bytes.Add(Convert.FromHexString(value.AsSpan(i + 1, 2))[0]);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value, i, 1));
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsUnreserved(char c) => c is >= ' ' and <= '~' and not '%';
}
