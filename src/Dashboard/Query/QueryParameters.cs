using System.Globalization;
using System.Text.Json;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Query;

/// <summary>
/// Jaeger's query parameters (jaeger-query's query_parser.go): start/end in Unix microseconds,
/// minDuration/maxDuration as Go durations ("100ms", "1.5s"), tags as <c>tag=k:v</c> (repeatable)
/// or <c>tags={"k":"v"}</c>, limit (default 100). Also lookback ("1h", "2d") when start is not given.
/// </summary>
internal static class QueryParameters
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1500;

    /// <summary>Jaeger searches the last two days when no start is given.</summary>
    public static readonly TimeSpan DefaultLookback = TimeSpan.FromDays(2);

    /// <summary>The trace search of /api/traces; a message for Jaeger's 400 answer when a parameter is wrong.</summary>
    public static TraceQuery ParseTraceQuery(IQueryCollection query, DateTimeOffset now)
    {
        var service = query["service"].ToString();
        if (service.Length == 0)
        {
            throw new QueryParameterException("parameter 'service' is required");
        }

        var operation = query["operation"].ToString();
        var end = MicrosParameter(query, "end") ?? now.ToUnixTimeMilliseconds() * 1000;
        var start = MicrosParameter(query, "start")
            ?? end - (long)(DurationParameter(query, "lookback", allowDays: true) ?? DefaultLookback).TotalMicroseconds;
        var minDuration = DurationParameter(query, "minDuration", allowDays: false);
        var maxDuration = DurationParameter(query, "maxDuration", allowDays: false);
        if (minDuration is { } min && maxDuration is { } max && max < min)
        {
            throw new QueryParameterException("'maxDuration' should be greater than 'minDuration'");
        }

        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit <= 0))
        {
            throw new QueryParameterException($"unable to parse param 'limit': '{limitText}' is not a positive integer");
        }

        return new TraceQuery(
            service,
            operation.Length > 0 ? operation : null,
            ParseTags(query["tag"], query["tags"]),
            (long)(minDuration?.TotalNanoseconds ?? 0),
            (long)(maxDuration?.TotalNanoseconds ?? 0),
            start * 1000,
            end * 1000,
            Math.Min(limit, MaxLimit));
    }

    /// <summary><c>tag=key:value</c> (the value may contain colons) and <c>tags={"key":"value"}</c>.</summary>
    public static Dictionary<string, string> ParseTags(IEnumerable<string?> simple, IEnumerable<string?> json)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in simple)
        {
            var separator = tag?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            if (separator < 0)
            {
                throw new QueryParameterException($"malformed 'tag' parameter, expecting key:value, received: {tag}");
            }

            tags[tag![..separator]] = tag[(separator + 1)..];
        }

        foreach (var text in json)
        {
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            try
            {
                foreach (var (key, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(text) ?? [])
                {
                    tags[key] = value;
                }
            }
            catch (JsonException e)
            {
                throw new QueryParameterException($"malformed 'tags' parameter, cannot unmarshal JSON: {e.Message}");
            }
        }

        return tags;
    }

    /// <summary>A Go duration: a sequence of decimal numbers with units ns, us, µs, ms, s, m, h (and d, w when <paramref name="allowDays"/>).</summary>
    public static bool TryParseDuration(ReadOnlySpan<char> text, bool allowDays, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text.SequenceEqual("0"))
        {
            return true;
        }

        var negative = text.Length > 0 && text[0] == '-';
        if (negative || (text.Length > 0 && text[0] == '+'))
        {
            text = text[1..];
        }

        if (text.IsEmpty)
        {
            return false;
        }

        double nanoseconds = 0;
        while (!text.IsEmpty)
        {
            var number = 0;
            while (number < text.Length && (char.IsAsciiDigit(text[number]) || text[number] == '.'))
            {
                number++;
            }

            var unit = number;
            while (unit < text.Length && !char.IsAsciiDigit(text[unit]) && text[unit] != '.')
            {
                unit++;
            }

            if (number == 0 || !double.TryParse(text[..number], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            double? scale = text[number..unit] switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                "m" => 60e9,
                "h" => 3600e9,
                "d" when allowDays => 86400e9,
                "w" when allowDays => 604800e9,
                _ => null,
            };
            if (scale is null)
            {
                return false;
            }

            nanoseconds += value * scale.Value;
            text = text[unit..];
        }

        duration = TimeSpan.FromTicks((long)Math.Round((negative ? -nanoseconds : nanoseconds) / 100));
        return true;
    }

    public static long? MicrosParameter(IQueryCollection query, string name) => IntegerParameter(query, name);

    public static long? IntegerParameter(IQueryCollection query, string name)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new QueryParameterException($"unable to parse param '{name}': '{text}' is not an integer");
    }

    public static TimeSpan? DurationParameter(IQueryCollection query, string name, bool allowDays)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return TryParseDuration(text, allowDays, out var duration)
            ? duration
            : throw new QueryParameterException($"unable to parse param '{name}': time: invalid duration \"{text}\"");
    }
}

/// <summary>A query parameter Jaeger would reject with 400; the message is Jaeger's where it has one.</summary>
internal sealed class QueryParameterException(string message) : Exception(message);
