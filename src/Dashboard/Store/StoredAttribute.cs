using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Shop.Otlp.Common.V1;

namespace Shop.Dashboard.Store;

/// <summary>The OTLP value types; arrays and maps are kept as JSON text, bytes as base64, as Jaeger shows them.</summary>
internal enum ValueKind : byte
{
    String,
    Bool,
    Int,
    Double,
    Bytes,
    Array,
    Map,
    Empty,
}

/// <summary>
/// One attribute in 32 bytes: key and text are (pooled) string references, numbers live in <see cref="Bits"/>.
/// <see cref="IndexLink"/> belongs to the span store's attribute index.
/// </summary>
internal struct StoredAttribute
{
    public string Key;
    public string? Text;
    public long Bits;
    public ValueKind Kind;

    /// <summary>Distance (in span sequence numbers) to the previous span with the same key and value; 0 none, -1 not indexed.</summary>
    internal int IndexLink;

    public static StoredAttribute String(string key, string value) => new() { Key = key, Text = value, Kind = ValueKind.String };

    public static StoredAttribute Int(string key, long value) => new() { Key = key, Bits = value, Kind = ValueKind.Int };

    public readonly bool BoolValue => Bits != 0;

    public readonly long IntValue => Bits;

    public readonly double DoubleValue => BitConverter.Int64BitsToDouble(Bits);

    /// <summary>The value as the query API compares and shows it (Jaeger's tag value as string).</summary>
    public readonly string ValueText => Kind switch
    {
        ValueKind.Bool => BoolValue ? "true" : "false",
        ValueKind.Int => IntValue.ToString(CultureInfo.InvariantCulture),
        ValueKind.Double => DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        _ => Text ?? "",
    };

    /// <summary>True when this attribute has <paramref name="key"/> and its value reads as <paramref name="value"/>.</summary>
    public readonly bool Matches(string key, string value)
    {
        if (!string.Equals(Key, key, StringComparison.Ordinal))
        {
            return false;
        }

        return Kind switch
        {
            ValueKind.String or ValueKind.Bytes or ValueKind.Array or ValueKind.Map => string.Equals(Text, value, StringComparison.Ordinal),
            ValueKind.Bool => string.Equals(value, BoolValue ? "true" : "false", StringComparison.Ordinal),
            ValueKind.Int => IntReadsAs(value),
            ValueKind.Double => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d.Equals(DoubleValue),
            _ => value.Length == 0,
        };
    }

    private readonly bool IntReadsAs(string value)
    {
        Span<char> digits = stackalloc char[20];
        return IntValue.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture)
            && value.AsSpan().SequenceEqual(digits[..written]);
    }

    /// <summary>Converts OTLP attributes, pooling keys and short values.</summary>
    public static StoredAttribute[] From(Google.Protobuf.Collections.RepeatedField<KeyValue> attributes, StringPool pool)
    {
        if (attributes.Count == 0)
        {
            return [];
        }

        var result = new StoredAttribute[attributes.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = From(attributes[i], pool);
        }

        return result;
    }

    public static StoredAttribute From(KeyValue attribute, StringPool pool)
    {
        var key = pool.Intern(attribute.Key);
        var value = attribute.Value;
        return value?.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => new() { Key = key, Text = pool.Intern(value.StringValue), Kind = ValueKind.String },
            AnyValue.ValueOneofCase.BoolValue => new() { Key = key, Bits = value.BoolValue ? 1 : 0, Kind = ValueKind.Bool },
            AnyValue.ValueOneofCase.IntValue => new() { Key = key, Bits = value.IntValue, Kind = ValueKind.Int },
            AnyValue.ValueOneofCase.DoubleValue => new() { Key = key, Bits = BitConverter.DoubleToInt64Bits(value.DoubleValue), Kind = ValueKind.Double },
            AnyValue.ValueOneofCase.BytesValue => new() { Key = key, Text = value.BytesValue.ToBase64(), Kind = ValueKind.Bytes },
            AnyValue.ValueOneofCase.ArrayValue => new() { Key = key, Text = ToJson(value), Kind = ValueKind.Array },
            AnyValue.ValueOneofCase.KvlistValue => new() { Key = key, Text = ToJson(value), Kind = ValueKind.Map },
            _ => new() { Key = key, Text = "", Kind = ValueKind.Empty },
        };
    }

    /// <summary>An array or map value as compact JSON, the way the OpenTelemetry Collector renders it as a string.</summary>
    public static string ToJson(AnyValue value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { MaxDepth = 64, SkipValidation = false }))
        {
            Write(writer, value, depth: 0);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, AnyValue? value, int depth)
    {
        if (value is null || depth > 32)
        {
            writer.WriteNullValue();
            return;
        }

        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                writer.WriteStringValue(value.StringValue);
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                writer.WriteBooleanValue(value.BoolValue);
                break;
            case AnyValue.ValueOneofCase.IntValue:
                writer.WriteNumberValue(value.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value.DoubleValue):
                writer.WriteNumberValue(value.DoubleValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue:
                writer.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture));
                break;
            case AnyValue.ValueOneofCase.BytesValue:
                writer.WriteStringValue(value.BytesValue.ToBase64());
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                writer.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                writer.WriteStartObject();
                foreach (var item in value.KvlistValue.Values)
                {
                    writer.WritePropertyName(item.Key);
                    Write(writer, item.Value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
