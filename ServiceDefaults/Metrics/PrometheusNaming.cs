using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Shop.ServiceDefaults.Metrics;

/// <summary>The Prometheus metric types the exporter produces.</summary>
internal enum PrometheusType
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>
/// OpenTelemetry names, units and attribute values turned into Prometheus names and labels, after
/// the OpenTelemetry "Prometheus and OpenMetrics Compatibility" specification (OTLP → Prometheus).
/// </summary>
internal static class PrometheusNaming
{
    /// <summary>UCUM units the specification maps to Prometheus unit words.</summary>
    private static readonly Dictionary<string, string> UnitWords = new(StringComparer.Ordinal)
    {
        ["d"] = "days",
        ["h"] = "hours",
        ["min"] = "minutes",
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
        ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes",
        ["TiBy"] = "tebibytes",
        ["kBy"] = "kilobytes",
        ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes",
        ["TBy"] = "terabytes",
        ["m"] = "meters",
        ["V"] = "volts",
        ["A"] = "amperes",
        ["J"] = "joules",
        ["W"] = "watts",
        ["g"] = "grams",
        ["Cel"] = "celsius",
        ["Hz"] = "hertz",
        ["%"] = "percent",
    };

    /// <summary>The denominator of a rate unit ("By/s" → bytes_per_second) is singular.</summary>
    private static readonly Dictionary<string, string> PerUnitWords = new(StringComparer.Ordinal)
    {
        ["s"] = "second",
        ["min"] = "minute",
        ["h"] = "hour",
        ["d"] = "day",
        ["w"] = "week",
        ["mo"] = "month",
        ["y"] = "year",
    };

    /// <summary>Sample-name suffixes the exposition formats give other types (histogram, summary, counter, info).</summary>
    private static readonly string[] ReservedSuffixes = ["_count", "_sum", "_bucket", "_total", "_created", "_info"];

    /// <summary>Appended to a gauge whose name would otherwise end in a suffix reserved for another type.</summary>
    internal const string ReservedSuffixEscape = "_current";

    /// <summary>
    /// The metric family name and the unit word (for OpenMetrics UNIT) of an instrument. For a counter
    /// the name excludes <c>_total</c>, which the writers add to its samples (and, in the 0.0.4 text
    /// format, to the family name too).
    /// </summary>
    public static (string Name, string? Unit) MetricName(string name, string? unit, PrometheusType type)
    {
        var result = Sanitize(name, allowColon: false);
        if (type == PrometheusType.Counter && result.EndsWith("_total", StringComparison.Ordinal) && result.Length > "_total".Length)
        {
            result = result[..^"_total".Length];
        }

        // The unit comes before any type suffix, and is not repeated when the name already ends with it.
        var unitWord = UnitWord(unit, type);
        if (unitWord is not null && !result.EndsWith("_" + unitWord, StringComparison.Ordinal))
        {
            result += "_" + unitWord;
        }

        // A gauge named like dotnet.timer.count would read as the _count series of a histogram
        // (promtool rejects it, OpenMetrics says to avoid it): keep the name, make the suffix unambiguous.
        if (type == PrometheusType.Gauge && Array.Exists(ReservedSuffixes, suffix => result.EndsWith(suffix, StringComparison.Ordinal)))
        {
            result += ReservedSuffixEscape;
        }

        return (result, unitWord);
    }

    /// <summary>
    /// The Prometheus unit word for a UCUM unit, or null when the name gets no unit suffix:
    /// annotations such as <c>{request}</c> are dropped, "1" is "ratio" for gauges only, "x/y" is "x_per_y".
    /// </summary>
    public static string? UnitWord(string? unit, PrometheusType type)
    {
        if (string.IsNullOrWhiteSpace(unit))
        {
            return null;
        }

        var plain = RemoveAnnotations(unit).Trim();
        if (plain.Length == 0)
        {
            return null;
        }

        if (plain == "1")
        {
            // Prometheus' own OTLP translator does the same: counters of "1" are counts, not ratios.
            return type == PrometheusType.Gauge ? "ratio" : null;
        }

        string word;
        var slash = plain.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && slash < plain.Length - 1)
        {
            var numerator = plain[..slash];
            var denominator = plain[(slash + 1)..];
            var top = numerator is "" or "1" ? "" : Word(numerator, UnitWords);
            var bottom = Word(denominator, PerUnitWords.ContainsKey(denominator) ? PerUnitWords : UnitWords);
            word = top.Length == 0 ? "per_" + bottom : top + "_per_" + bottom;
        }
        else
        {
            word = Word(plain, UnitWords);
        }

        word = Sanitize(word, allowColon: false).Trim('_');
        return word.Length == 0 ? null : word;

        static string Word(string symbol, Dictionary<string, string> words) =>
            words.TryGetValue(symbol, out var mapped) ? mapped : symbol;
    }

    /// <summary>
    /// A label name from an attribute key: characters outside [a-zA-Z0-9_] become '_', runs of '_' collapse,
    /// and since label names starting with '_' are reserved (and cannot start with a digit) such keys get a "key" prefix.
    /// </summary>
    public static string LabelName(string key)
    {
        var name = Sanitize(key, allowColon: false);
        if (name.Length == 0)
        {
            return "key";
        }

        // Sanitize turned a leading digit into "_1...": both cases become "key_...".
        return name[0] == '_' ? "key" + name : name;
    }

    /// <summary>
    /// Attributes as labels. Keys that sanitise to the same label name get their values joined with ';'
    /// in the ordinal order of the original keys, as the specification requires; empty values are left
    /// out (Prometheus treats an empty label as an absent one).
    /// </summary>
    public static List<KeyValuePair<string, string>> Labels(IEnumerable<KeyValuePair<string, object?>> attributes)
    {
        var byName = new SortedDictionary<string, List<(string Key, string Value)>>(StringComparer.Ordinal);
        foreach (var (key, value) in attributes)
        {
            var text = AttributeValue(value);
            if (text.Length == 0)
            {
                continue;
            }

            var name = LabelName(key);
            if (!byName.TryGetValue(name, out var values))
            {
                byName[name] = values = [];
            }

            values.Add((key, text));
        }

        return byName.Select(pair => new KeyValuePair<string, string>(
                pair.Key,
                pair.Value.Count == 1
                    ? pair.Value[0].Value
                    : string.Join(';', pair.Value.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Value))))
            .ToList();
    }

    /// <summary>An attribute value as text, after the attribute specification's non-OTLP representation.</summary>
    public static string AttributeValue(object? value) => value switch
    {
        null => "",
        string text => text,
        bool flag => flag ? "true" : "false",
        double number => Number(number),
        float number => Number(number),
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable formattable when value.GetType().IsPrimitive || value is decimal => formattable.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable sequence => JsonArray(sequence),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>Replaces characters outside [a-zA-Z0-9_] (and ':' when allowed) with '_' and collapses runs of '_'.</summary>
    internal static string Sanitize(string text, bool allowColon)
    {
        var builder = new StringBuilder(text.Length + 1);
        foreach (var c in text)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || (allowColon && c == ':');
            var next = valid ? c : '_';
            if (next == '_' && builder.Length > 0 && builder[^1] == '_')
            {
                continue;
            }

            builder.Append(next);
        }

        if (builder.Length > 0 && char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    private static string RemoveAnnotations(string unit)
    {
        var builder = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string JsonArray(System.Collections.IEnumerable sequence)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartArray();
            foreach (var item in sequence)
            {
                switch (item)
                {
                    case null:
                        json.WriteNullValue();
                        break;
                    case bool flag:
                        json.WriteBooleanValue(flag);
                        break;
                    case double or float when double.IsFinite(Convert.ToDouble(item, CultureInfo.InvariantCulture)):
                        json.WriteNumberValue(Convert.ToDouble(item, CultureInfo.InvariantCulture));
                        break;
                    case long or int or short or sbyte or ulong or uint or ushort or byte:
                        json.WriteRawValue(Convert.ToString(item, CultureInfo.InvariantCulture)!);
                        break;
                    default:
                        json.WriteStringValue(AttributeValue(item));
                        break;
                }
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
