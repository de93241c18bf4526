using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;

namespace Shop.Dashboard.Store;

/// <summary>A 128-bit W3C trace id held as two integers: compact, cheap to hash and compare.</summary>
internal readonly struct TraceId(ulong high, ulong low) : IEquatable<TraceId>
{
    public ulong High { get; } = high;

    public ulong Low { get; } = low;

    public bool IsEmpty => High == 0 && Low == 0;

    /// <summary>The id of an OTLP <c>trace_id</c> field; false unless it holds exactly 16 bytes, not all zero.</summary>
    public static bool TryFrom(ByteString bytes, out TraceId id)
    {
        if (bytes.Length != 16)
        {
            id = default;
            return false;
        }

        var span = bytes.Span;
        id = new TraceId(BinaryPrimitives.ReadUInt64BigEndian(span), BinaryPrimitives.ReadUInt64BigEndian(span[8..]));
        return !id.IsEmpty;
    }

    /// <summary>Parses 1 to 32 hex digits, as Jaeger does (shorter ids are left-padded with zeros).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out TraceId id)
    {
        id = default;
        if (text.IsEmpty || text.Length > 32)
        {
            return false;
        }

        var split = Math.Max(0, text.Length - 16);
        ulong high = 0;
        if (split > 0 && !ulong.TryParse(text[..split], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out high))
        {
            return false;
        }

        if (!ulong.TryParse(text[split..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low))
        {
            return false;
        }

        id = new TraceId(high, low);
        return !id.IsEmpty;
    }

    /// <summary>The 32 lower-case hex digits of W3C Trace Context and OTLP/JSON.</summary>
    public string ToHex() => string.Create(32, this, static (chars, id) =>
    {
        id.High.TryFormat(chars, out _, "x16", CultureInfo.InvariantCulture);
        id.Low.TryFormat(chars[16..], out _, "x16", CultureInfo.InvariantCulture);
    });

    /// <summary>Jaeger's spelling: 16 hex digits when the high half is zero, else 32.</summary>
    public string ToJaegerString() => High == 0 ? Low.ToString("x16", CultureInfo.InvariantCulture) : ToHex();

    /// <summary>The low 56 bits: the part W3C Trace Context Level 2 asks to be random, used for ratio decisions.</summary>
    public ulong RandomPart => Low & 0x00FF_FFFF_FFFF_FFFFUL;

    public bool Equals(TraceId other) => High == other.High && Low == other.Low;

    public override bool Equals(object? obj) => obj is TraceId other && Equals(other);

    public override int GetHashCode() => (int)(Low ^ (Low >> 32) ^ High);

    public override string ToString() => ToHex();

    public static bool operator ==(TraceId left, TraceId right) => left.Equals(right);

    public static bool operator !=(TraceId left, TraceId right) => !left.Equals(right);
}

/// <summary>64-bit span ids: OTLP bytes in, hex out.</summary>
internal static class SpanIds
{
    /// <summary>The id of an OTLP span id field: 0 when absent, false when not 8 bytes.</summary>
    public static bool TryFrom(ByteString bytes, out ulong id)
    {
        if (bytes.Length == 0)
        {
            id = 0;
            return true;
        }

        if (bytes.Length != 8)
        {
            id = 0;
            return false;
        }

        id = BinaryPrimitives.ReadUInt64BigEndian(bytes.Span);
        return true;
    }

    public static string ToHex(ulong id) => id.ToString("x16", CultureInfo.InvariantCulture);

    public static bool TryParse(ReadOnlySpan<char> text, out ulong id) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out id) && text.Length <= 16;
}
