using System.Globalization;

namespace Shop.Dashboard.Store;

/// <summary>
/// How attribute key=value pairs are indexed: a 64-bit FNV-1a hash of the key and the value's text.
/// Only values a search names exactly are worth it: strings up to <see cref="MaxValueLength"/>
/// characters, booleans and integers. Matches are always re-checked, so a hash collision costs time, never correctness.
/// </summary>
internal static class AttributeIndex
{
    public const int MaxValueLength = 256;
    public const int MaxIndexedPerSpan = 64;

    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    /// <summary>False for tags that are derived from the span rather than stored as attributes, and for long values.</summary>
    public static bool CanUseFor(string key, string value) =>
        value.Length <= MaxValueLength && !DerivedTags.IsDerived(key);

    public static bool TryHash(in StoredAttribute attribute, out ulong hash)
    {
        switch (attribute.Kind)
        {
            case ValueKind.String when attribute.Text!.Length <= MaxValueLength:
                hash = Hash(attribute.Key, attribute.Text);
                return true;
            case ValueKind.Bool:
                hash = Hash(attribute.Key, attribute.BoolValue ? "true" : "false");
                return true;
            case ValueKind.Int:
                Span<char> digits = stackalloc char[20];
                attribute.IntValue.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
                hash = Hash(attribute.Key, digits[..written]);
                return true;
            default:
                hash = 0;
                return false;
        }
    }

    public static ulong Hash(string key, ReadOnlySpan<char> value)
    {
        var hash = OffsetBasis;
        foreach (var c in key)
        {
            hash = (hash ^ c) * Prime;
        }

        // A separator that cannot appear in UTF-16 text keeps ("ab","c") apart from ("a","bc").
        hash = (hash ^ 0xFFFF) * Prime;
        foreach (var c in value)
        {
            hash = (hash ^ c) * Prime;
        }

        return hash;
    }

    /// <summary>The index link of the span's attribute (or event attribute) that put it on the chain of <paramref name="hash"/>.</summary>
    public static int LinkOf(in SpanRecord span, string key, string value, ulong hash)
    {
        if (Find(span.Attributes, key, value, hash) is var link and >= 0)
        {
            return link;
        }

        if (span.Details is { } details)
        {
            foreach (var spanEvent in details.Events)
            {
                if (Find(spanEvent.Attributes, key, value, hash) is var eventLink and >= 0)
                {
                    return eventLink;
                }
            }
        }

        return 0;
    }

    private static int Find(StoredAttribute[] attributes, string key, string value, ulong hash)
    {
        foreach (ref readonly var attribute in attributes.AsSpan())
        {
            if (attribute.IndexLink >= 0 && attribute.Matches(key, value))
            {
                return attribute.IndexLink;
            }
        }

        // A different key=value with the same hash: find it by hash.
        foreach (ref readonly var attribute in attributes.AsSpan())
        {
            if (attribute.IndexLink >= 0 && TryHash(attribute, out var other) && other == hash)
            {
                return attribute.IndexLink;
            }
        }

        return -1;
    }
}
