using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Shop.Otlp.Common.V1;

namespace Shop.Otlp;

/// <summary>Plain .NET values from OTLP's attribute and id encodings.</summary>
public static class OtlpValues
{
    /// <summary>The value of an OTLP AnyValue as string, long, double, bool, byte[], list or dictionary.</summary>
    public static object? ToObject(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToByteArray(),
        AnyValue.ValueOneofCase.ArrayValue => value.ArrayValue.Values.Select(ToObject).ToList(),
        AnyValue.ValueOneofCase.KvlistValue => ToDictionary(value.KvlistValue.Values),
        _ => null,
    };

    /// <summary>Attributes as a dictionary; a repeated key keeps its last value.</summary>
    public static Dictionary<string, object?> ToDictionary(RepeatedField<KeyValue> attributes)
    {
        var result = new Dictionary<string, object?>(attributes.Count, StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = ToObject(attribute.Value);
        }

        return result;
    }

    /// <summary>The value as display text (numbers in invariant culture).</summary>
    public static string ToText(AnyValue? value) => ToObject(value) switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        var other => other.ToString() ?? "",
    };

    /// <summary>Lower-case hex of a trace or span id; empty for an absent id.</summary>
    public static string Hex(ByteString id) => id.IsEmpty ? "" : Convert.ToHexStringLower(id.Span);
}
