using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;

namespace Shop.Dashboard.Ingest;

/// <summary>
/// OTLP/JSON (the proto3 JSON mapping with OTLP's deviations): trace and span ids are hex, not base64.
/// The payload is rewritten token by token (hex ids to base64), then read by protobuf's JSON parser,
/// which ignores unknown fields as OTLP/JSON receivers must.
/// </summary>
internal static class OtlpJson
{
    private const int MaxDepth = 64;

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true).WithRecursionLimit(MaxDepth));

    /// <summary>Parses an OTLP/JSON request; throws <see cref="FormatException"/> for anything malformed.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> utf8)
        where T : IMessage<T>, new()
    {
        try
        {
            return Parser.Parse<T>(Encoding.UTF8.GetString(HexIdsToBase64(utf8)));
        }
        catch (Exception e) when (e is JsonException or InvalidJsonException or InvalidProtocolBufferException or InvalidOperationException)
        {
            throw new FormatException(e.Message, e);
        }
    }

    public static string Format(IMessage message) => JsonFormatter.Default.Format(message);

    private static ReadOnlySpan<byte> HexIdsToBase64(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        var output = new ArrayBufferWriter<byte>(utf8.Length + 64);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            var property = "";
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        property = reader.GetString()!;
                        writer.WritePropertyName(property);
                        continue;
                    case JsonTokenType.String when IsIdField(property):
                        writer.WriteBase64StringValue(FromHex(reader.GetString()!, property));
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(reader.GetString());
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True:
                        writer.WriteBooleanValue(true);
                        break;
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(false);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                    default:
                        break;
                }

                property = "";
            }
        }

        return output.WrittenSpan;
    }

    private static bool IsIdField(string property) => property is "traceId" or "spanId" or "parentSpanId";

    private static byte[] FromHex(string hex, string property)
    {
        if (hex.Length % 2 != 0)
        {
            throw new FormatException($"{property} '{hex}' is not hex: OTLP/JSON ids are hex strings (32 digits for a trace id, 16 for a span id).");
        }

        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new FormatException($"{property} '{hex}' is not hex: OTLP/JSON ids are hex strings (32 digits for a trace id, 16 for a span id).");
        }
    }
}
