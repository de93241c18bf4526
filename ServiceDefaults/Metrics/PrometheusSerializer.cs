using System.Globalization;
using System.Text;

namespace Shop.ServiceDefaults.Metrics;

/// <summary>The two exposition formats a scraper can ask for.</summary>
internal enum PrometheusFormat
{
    /// <summary>Prometheus text exposition format 0.0.4: no exemplars, no UNIT, counters typed under their _total name.</summary>
    Text,

    /// <summary>OpenMetrics 1.0 text: exemplars, UNIT lines, info-typed target, canonical le values, # EOF.</summary>
    OpenMetrics,
}

/// <summary>Writes a <see cref="PrometheusSnapshot"/> in the Prometheus text format 0.0.4 or OpenMetrics 1.0.</summary>
internal static class PrometheusSerializer
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private const string TargetInfoHelp = "Target metadata";

    public static string ContentType(PrometheusFormat format) =>
        format == PrometheusFormat.OpenMetrics ? OpenMetricsContentType : TextContentType;

    public static string Write(PrometheusSnapshot snapshot, PrometheusFormat format)
    {
        var om = format == PrometheusFormat.OpenMetrics;
        var output = new StringBuilder(16 * 1024);

        // At most one target info, first (OpenMetrics asks for it first); only for a non-empty resource.
        if (snapshot.TargetInfo.Count > 0)
        {
            var infoSample = PrometheusSnapshot.TargetInfoName + "_info";
            WriteMetadata(output, om ? PrometheusSnapshot.TargetInfoName : infoSample, om ? "info" : "gauge", unit: null, TargetInfoHelp, om);
            WriteSample(output, infoSample, snapshot.TargetInfo, extraLabel: null, "1", exemplar: null, om);
        }

        foreach (var family in snapshot.Families)
        {
            switch (family.Type)
            {
                case PrometheusType.Counter:
                    // 0.0.4 types the sample name (foo_total); OpenMetrics types the family (foo).
                    var total = family.Name + "_total";
                    WriteMetadata(output, om ? family.Name : total, "counter", family.Unit, family.Help, om);
                    foreach (var series in family.Series)
                    {
                        WriteSample(output, total, series.Labels, null, Number(series.Value), series.Exemplar, om);
                    }

                    break;

                case PrometheusType.Gauge:
                    WriteMetadata(output, family.Name, "gauge", family.Unit, family.Help, om);
                    foreach (var series in family.Series)
                    {
                        WriteSample(output, family.Name, series.Labels, null, Number(series.Value), null, om);
                    }

                    break;

                case PrometheusType.Histogram:
                    WriteMetadata(output, family.Name, "histogram", family.Unit, family.Help, om);
                    foreach (var series in family.Series)
                    {
                        WriteHistogram(output, family.Name, series, om);
                    }

                    break;
            }
        }

        if (om)
        {
            output.Append("# EOF\n");
        }

        return output.ToString();
    }

    private static void WriteHistogram(StringBuilder output, string name, PrometheusSeries series, bool om)
    {
        foreach (var bucket in series.Buckets ?? [])
        {
            var le = double.IsPositiveInfinity(bucket.UpperBound) ? "+Inf" : LeValue(bucket.UpperBound, om);
            WriteSample(output, name + "_bucket", series.Labels, new("le", le), Integer(bucket.CumulativeCount), bucket.Exemplar, om);
        }

        if (series.Sum is { } sum)
        {
            WriteSample(output, name + "_sum", series.Labels, null, Number(sum), null, om);
        }

        WriteSample(output, name + "_count", series.Labels, null, Integer(series.Count), null, om);
    }

    private static void WriteMetadata(StringBuilder output, string name, string type, string? unit, string help, bool om)
    {
        if (om)
        {
            // OpenMetrics order: TYPE, UNIT, HELP. A UNIT must be the suffix of the family name.
            output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            if (unit is not null && name.EndsWith("_" + unit, StringComparison.Ordinal))
            {
                output.Append("# UNIT ").Append(name).Append(' ').Append(unit).Append('\n');
            }

            if (help.Length > 0)
            {
                output.Append("# HELP ").Append(name).Append(' ');
                Escape(output, help, escapeQuotes: true);
                output.Append('\n');
            }

            return;
        }

        output.Append("# HELP ").Append(name).Append(' ');
        Escape(output, help, escapeQuotes: false);
        output.Append('\n');
        output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    private static void WriteSample(
        StringBuilder output,
        string name,
        IReadOnlyList<KeyValuePair<string, string>> labels,
        KeyValuePair<string, string>? extraLabel,
        string value,
        PrometheusExemplar? exemplar,
        bool om)
    {
        output.Append(name);
        if (labels.Count > 0 || extraLabel is not null)
        {
            output.Append('{');
            var first = true;
            foreach (var label in labels)
            {
                AppendLabel(output, label, ref first);
            }

            if (extraLabel is { } extra)
            {
                AppendLabel(output, extra, ref first);
            }

            output.Append('}');
        }

        output.Append(' ').Append(value);

        // Exemplars exist only in OpenMetrics: "# {labels} value timestamp".
        if (om && exemplar is not null)
        {
            output.Append(" # {");
            var first = true;
            if (exemplar.TraceId is not null)
            {
                AppendLabel(output, new("trace_id", exemplar.TraceId), ref first);
                AppendLabel(output, new("span_id", exemplar.SpanId!), ref first);
            }

            output.Append("} ").Append(Number(exemplar.Value)).Append(' ')
                .Append((exemplar.Timestamp.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture));
        }

        output.Append('\n');
    }

    private static void AppendLabel(StringBuilder output, KeyValuePair<string, string> label, ref bool first)
    {
        if (!first)
        {
            output.Append(',');
        }

        first = false;
        output.Append(label.Key).Append("=\"");
        Escape(output, label.Value, escapeQuotes: true);
        output.Append('"');
    }

    /// <summary>Backslash, newline and (in label values and OpenMetrics HELP) double quote are escaped.</summary>
    private static void Escape(StringBuilder output, string text, bool escapeQuotes)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    output.Append(@"\\");
                    break;
                case '\n':
                    output.Append(@"\n");
                    break;
                case '"' when escapeQuotes:
                    output.Append("\\\"");
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }
    }

    private static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The le label: OpenMetrics canonical form (Go's shortest %g, ".0" added to integers: "1.0", "0.5",
    /// "1e+06"); the 0.0.4 format as Prometheus' Go client writes it ("1", "0.5").
    /// </summary>
    internal static string LeValue(double bound, bool om)
    {
        var text = Number(bound);
        return om && !text.Contains('.', StringComparison.Ordinal) && !text.Contains('e', StringComparison.Ordinal) && !text.Contains("Inf", StringComparison.Ordinal) && text != "NaN"
            ? text + ".0"
            : text;
    }

    /// <summary>
    /// A float as Prometheus' Go clients write it, strconv.FormatFloat(v, 'g', -1, 64): the shortest
    /// digits that round-trip, in exponent form when the decimal exponent is below -4 or at least 6
    /// (1e-05, 0.0001, 100000, 1e+06, 1.5e+09); +Inf, -Inf and NaN as Prometheus spells them.
    /// </summary>
    internal static string Number(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0" : "0";
        }

        // "R" gives the shortest round-trip digits (plain or d.dddE+xx): normalise to digits and exponent.
        var (digits, exponent) = Decompose(Math.Abs(value).ToString("R", CultureInfo.InvariantCulture));

        var builder = new StringBuilder(24);
        if (value < 0)
        {
            builder.Append('-');
        }

        if (exponent < -4 || exponent >= 6)
        {
            builder.Append(digits[0]);
            if (digits.Length > 1)
            {
                builder.Append('.').Append(digits, 1, digits.Length - 1);
            }

            builder.Append('e').Append(exponent < 0 ? '-' : '+');
            var magnitude = Math.Abs(exponent);
            if (magnitude < 10)
            {
                builder.Append('0');
            }

            builder.Append(magnitude.ToString(CultureInfo.InvariantCulture));
            return builder.ToString();
        }

        // Fixed notation: the point sits after exponent + 1 digits.
        var point = exponent + 1;
        if (point <= 0)
        {
            builder.Append("0.").Append('0', -point).Append(digits);
        }
        else if (point >= digits.Length)
        {
            builder.Append(digits).Append('0', point - digits.Length);
        }
        else
        {
            builder.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
        }

        return builder.ToString();
    }

    /// <summary>Significant digits (no leading or trailing zeros) and the decimal exponent of the first digit.</summary>
    private static (string Digits, int Exponent) Decompose(string shortest)
    {
        var mantissa = shortest;
        var exponent = 0;
        var e = shortest.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            mantissa = shortest[..e];
            exponent = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integerPart = point >= 0 ? mantissa[..point] : mantissa;
        var fraction = point >= 0 ? mantissa[(point + 1)..] : "";
        var all = integerPart + fraction;
        var leadingZeros = all.Length - all.TrimStart('0').Length;
        var digits = all.Trim('0');
        // The first significant digit is at position leadingZeros; integerPart.Length digits precede the point.
        exponent += integerPart.Length - 1 - leadingZeros;
        return (digits.Length == 0 ? "0" : digits, exponent);
    }
}
