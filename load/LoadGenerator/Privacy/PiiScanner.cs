using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Shop.LoadGenerator.Privacy;

/// <summary>What a finding is: an e-mail address, a card-like number or a full name the client sent.</summary>
internal enum PiiKind
{
    Email,
    CardNumber,
    FullName,
}

/// <summary>One piece of personal data found: where (source, item, field) and a redacted excerpt, never the value itself.</summary>
internal sealed record PiiFinding(PiiKind Kind, string Source, string Location, string Excerpt)
{
    public override string ToString() => $"{Kind} in {Source} at {Location}: {Excerpt}";
}

/// <summary>
/// Finds personal data in text and JSON: any e-mail address (also URL-encoded), any 13 to 19 digit number (plain or in
/// groups of four, Amex 4-6-5, separated by spaces or dashes) that passes the Luhn check, and the full names the client
/// sent (case-insensitive, the words separated by spaces, <c>+</c>, <c>%20</c> or <c>_</c>), and the local part alone of an
/// address the client sent.
/// Not findings: trace and span ids (hex tokens, values of id keys, traceparent), runs of one digit (a zero parent id), UUIDs, Unix timestamps in ms/µs/ns
/// of 2001 to 2039, the digits of a decimal fraction, and digit runs inside longer words or numbers.
/// </summary>
internal sealed partial class PiiScanner
{
    private readonly Regex? _names;
    private readonly Regex? _localParts;

    public PiiScanner(IEnumerable<string> fullNames, IEnumerable<string>? emails = null)
    {
        // The local part of an address the client sent, alone (a log that drops or masks the domain still leaks it);
        // only distinctive ones (8 characters or more), so "info" or "ada" never match ordinary words.
        var localParts = (emails ?? []).Select(e => e.Split('@')[0]).Where(l => l.Length >= 8).Distinct(StringComparer.OrdinalIgnoreCase).Select(Regex.Escape).ToList();
        _localParts = localParts.Count == 0 ? null
            : new Regex($@"(?<![\w.%+-])(?:{string.Join('|', localParts)})(?![\w%+-]|\.\w|@|%40)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

        var patterns = fullNames
            .Select(n => n.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(words => words.Length > 0)
            .Select(words => string.Join(@"(?:\s+|\+|%20|_)", words.Select(Regex.Escape)))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(p => p.Length)
            .ToList();
        _names = patterns.Count == 0 ? null
            : new Regex($@"(?<![\p{{L}}\p{{N}}])(?:{string.Join('|', patterns)})(?![\p{{L}}\p{{N}}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    /// <summary>Every finding in <paramref name="text"/>, found in <paramref name="source"/> at <paramref name="location"/>.</summary>
    public IReadOnlyList<PiiFinding> Scan(string source, string location, string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var hits = new List<(int Index, int Length, PiiKind Kind)>();
        foreach (Match match in Email().Matches(text))
        {
            hits.Add((match.Index, match.Length, PiiKind.Email));
        }

        if (_localParts is not null)
        {
            foreach (Match match in _localParts.Matches(text))
            {
                hits.Add((match.Index, match.Length, PiiKind.Email));
            }
        }

        // Ids in their usual places are masked first, so a hex id that happens to be all digits is never a card.
        var masked = MaskIds(text);
        foreach (Match match in CardLike().Matches(masked))
        {
            var digits = Digits(match.Value);
            if (digits.Length is >= 13 and <= 19 && PassesLuhn(digits) && digits.Distinct().Skip(1).Any() && !IsTimestamp(match.Value))
            {
                hits.Add((match.Index, match.Length, PiiKind.CardNumber));
            }
        }

        if (_names is not null)
        {
            foreach (Match match in _names.Matches(text))
            {
                hits.Add((match.Index, match.Length, PiiKind.FullName));
            }
        }

        return hits.Count == 0 ? [] : [.. hits.OrderBy(h => h.Index).Select(h => new PiiFinding(h.Kind, source, location, Excerpt(text, hits, h.Index)))];
    }

    /// <summary>
    /// Every finding in a JSON document: each string and number value and each property name, located by its path;
    /// in OTLP and Jaeger attribute lists (<c>{"key": ..., "value": ...}</c>) the path names the attribute key.
    /// </summary>
    public IReadOnlyList<PiiFinding> ScanJson(string source, string location, JsonElement element)
    {
        var findings = new List<PiiFinding>();
        Walk(element, location, null);
        return findings;

        void Walk(JsonElement value, string path, string? key)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    var label = value.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                    foreach (var property in value.EnumerateObject())
                    {
                        findings.AddRange(Scan(source, path + "{}", property.Name));
                        var labelled = label is not null && property.Name != "key";
                        // An attribute's value is judged by the attribute's key (a ParentId of zeros is no card).
                        // OTLP wraps a value in {"stringValue": ...}: the wrapper keeps the attribute's key.
                        var childKey = labelled ? label : key is not null && property.Name.EndsWith("Value", StringComparison.Ordinal) ? key : property.Name;
                        Walk(property.Value, labelled ? $"{path}[{label}].{property.Name}" : $"{path}.{property.Name}", childKey);
                    }

                    break;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        Walk(item, $"{path}[{index++}]", key);
                    }

                    break;
                case JsonValueKind.String:
                    var text = value.GetString()!;
                    if (!(key is not null && IdKey().IsMatch(key) && HexId().IsMatch(text)))
                    {
                        findings.AddRange(Scan(source, path, text));
                    }

                    break;
                case JsonValueKind.Number:
                    findings.AddRange(Scan(source, path, value.GetRawText()));
                    break;
            }
        }
    }

    /// <summary>The Luhn (mod 10) check of a string of digits.</summary>
    public static bool PassesLuhn(string digits)
    {
        var sum = 0;
        var doubled = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }

    /// <summary>The value as it may be shown: its shape and a hint, never enough to recover it.</summary>
    public static string Redact(PiiKind kind, string value) => kind switch
    {
        PiiKind.Email => $"{value[0]}***@***",
        PiiKind.CardNumber => $"[card ****{Digits(value)[^4..]}]",
        _ => string.Join(' ', value.Split([' ', '+', '_'], StringSplitOptions.RemoveEmptyEntries).Select(w => $"{w[0]}***")),
    };

    private static string Excerpt(string text, List<(int Index, int Length, PiiKind Kind)> hits, int at)
    {
        const int Context = 40;
        var start = Math.Max(0, at - Context);
        var end = Math.Min(text.Length, hits.First(h => h.Index == at).Length + at + Context);
        // Widen to cover any hit the window cuts, so no part of one shows unredacted.
        foreach (var (index, length, _) in hits)
        {
            if (index < start && index + length > start)
            {
                start = index;
            }

            if (index < end && index + length > end)
            {
                end = index + length;
            }
        }

        var excerpt = new StringBuilder(start > 0 ? "…" : "");
        var position = start;
        foreach (var (index, length, kind) in hits.Where(h => h.Index >= start && h.Index < end).OrderBy(h => h.Index))
        {
            if (index < position)
            {
                continue; // overlaps a hit already redacted
            }

            excerpt.Append(text, position, index - position).Append(Redact(kind, text.Substring(index, length)));
            position = index + length;
        }

        excerpt.Append(text, position, Math.Max(0, end - position)).Append(end < text.Length ? "…" : "");
        return WhiteSpace().Replace(excerpt.ToString(), " ");
    }

    private static string MaskIds(string text)
    {
        if (!text.Contains("id", StringComparison.OrdinalIgnoreCase) && !text.Contains("00-", StringComparison.Ordinal))
        {
            return text;
        }

        var masked = LabelledId().Replace(text, m => m.Groups["prefix"].Value + new string('x', m.Groups["id"].Length));
        return TraceParent().Replace(masked, m => new string('x', m.Length));
    }

    private static string Digits(string value) => new([.. value.Where(char.IsAsciiDigit)]);

    // Unix time in seconds, ms, µs or ns from 2001-09-09 to 2039-09-18: 10, 13, 16 or 19 digits starting 1 or 2.
    private static bool IsTimestamp(string value)
    {
        if (!value.All(char.IsAsciiDigit) || value.Length is not (13 or 16 or 19))
        {
            return false;
        }

        var leading = double.Parse(value.AsSpan(0, 4), CultureInfo.InvariantCulture) / 1000;
        return leading is >= 1.0 and < 2.2;
    }

    // Local part and domain as RFC 5321 allows in practice; '@' also as %40 (an address in a URL or query).
    [GeneratedRegex(@"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62})(?:@|%40)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    // 13-19 digits in one run, in groups of four (4-4-4-1..7) or Amex 4-6-5 with one kind of separator; not inside a
    // word, a hex token, a longer number or digit groups, or a decimal fraction.
    [GeneratedRegex(@"(?<![\w.-]|[0-9]\s)(?:[0-9]{13,19}|[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{1,7}|[0-9]{4}([ -])[0-9]{6}\2[0-9]{5})(?![\w-]|[.,][0-9]|\s[0-9]{4})", RegexOptions.CultureInvariant)]
    private static partial Regex CardLike();

    // trace_id=..., "spanId":"...", TraceId: ..., parentSpanID ... : the id itself, 16 or 32 hex digits.
    [GeneratedRegex(@"(?<prefix>(?i:(?:trace|span|parent(?:[_.-]?span)?)[_.-]?id)[""']?\s*[:=]?\s*[""']?)(?<id>[0-9a-fA-F]{32}|[0-9a-fA-F]{16})(?![0-9a-fA-F])", RegexOptions.CultureInvariant)]
    private static partial Regex LabelledId();

    // W3C traceparent: version-traceid-parentid-flags.
    [GeneratedRegex(@"\b[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}\b", RegexOptions.CultureInvariant)]
    private static partial Regex TraceParent();

    [GeneratedRegex(@"^(?i:(?:trace|span|parent(?:[_.-]?span)?)[_.-]?id)$", RegexOptions.CultureInvariant)]
    private static partial Regex IdKey();

    [GeneratedRegex(@"^[0-9a-fA-F]{16}(?:[0-9a-fA-F]{16})?$", RegexOptions.CultureInvariant)]
    private static partial Regex HexId();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
