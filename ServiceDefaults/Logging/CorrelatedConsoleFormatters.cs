using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Shop.ServiceDefaults.Logging;

/// <summary>
/// Console log formats whose every line inside a request carries trace_id and span_id.
/// <c>shop</c> (default) is one line of text; <c>shop-json</c> is one JSON object per line.
/// Choose with configuration: <c>Logging__Console__FormatterName=shop-json</c>.
/// </summary>
public static class CorrelatedConsoleLogging
{
    public const string TextFormatterName = "shop";
    public const string JsonFormatterName = "shop-json";

    internal static void AddCorrelatedConsoleLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddConsole();
        builder.Logging.AddConsoleFormatter<CorrelatedTextFormatter, ConsoleFormatterOptions>();
        builder.Logging.AddConsoleFormatter<CorrelatedJsonFormatter, ConsoleFormatterOptions>();
        builder.Services.PostConfigure<ConsoleLoggerOptions>(options => options.FormatterName ??= TextFormatterName);
    }

    /// <summary>The ILogger state's key-value pairs, without the message template itself.</summary>
    internal static IEnumerable<KeyValuePair<string, object?>> Attributes<TState>(TState state) =>
        state is IReadOnlyList<KeyValuePair<string, object?>> pairs
            ? pairs.Where(pair => pair.Key != "{OriginalFormat}")
            : [];
}

/// <summary><c>2026-11-21T10:00:00.000Z info Shop.Orders.Checkout[3] trace_id=… span_id=… Order stored</c></summary>
internal sealed class CorrelatedTextFormatter() : ConsoleFormatter(CorrelatedConsoleLogging.TextFormatterName)
{
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var line = new StringBuilder(128 + (message?.Length ?? 0));
        line.Append(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))
            .Append(' ').Append(ShortLevel(logEntry.LogLevel))
            .Append(' ').Append(logEntry.Category).Append('[').Append(logEntry.EventId.Id).Append(']');
        if (Activity.Current is { } activity)
        {
            line.Append(" trace_id=").Append(activity.TraceId.ToHexString())
                .Append(" span_id=").Append(activity.SpanId.ToHexString());
        }

        line.Append(' ').Append(message);
        if (logEntry.Exception is not null)
        {
            line.AppendLine().Append(logEntry.Exception);
        }

        textWriter.WriteLine(line.ToString());
    }

    private static string ShortLevel(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}

/// <summary>One JSON object per line: timestamp, level, category, event_id, message, trace_id, span_id, attributes, exception.</summary>
internal sealed class CorrelatedJsonFormatter() : ConsoleFormatter(CorrelatedConsoleLogging.JsonFormatterName)
{
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", DateTime.UtcNow);
            json.WriteString("level", logEntry.LogLevel.ToString());
            json.WriteString("category", logEntry.Category);
            json.WriteNumber("event_id", logEntry.EventId.Id);
            if (logEntry.EventId.Name is { } eventName)
            {
                json.WriteString("event_name", eventName);
            }

            json.WriteString("message", message);
            if (Activity.Current is { } activity)
            {
                json.WriteString("trace_id", activity.TraceId.ToHexString());
                json.WriteString("span_id", activity.SpanId.ToHexString());
            }

            var attributes = CorrelatedConsoleLogging.Attributes(logEntry.State).ToList();
            if (attributes.Count > 0)
            {
                json.WriteStartObject("attributes");
                foreach (var (key, value) in attributes)
                {
                    WriteValue(json, key, value);
                }

                json.WriteEndObject();
            }

            if (logEntry.Exception is not null)
            {
                json.WriteString("exception", logEntry.Exception.ToString());
            }

            json.WriteEndObject();
        }

        textWriter.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case double d when !double.IsFinite(d):
                json.WriteString(key, d.ToString(CultureInfo.InvariantCulture));
                break;
            case float f when !float.IsFinite(f):
                json.WriteString(key, f.ToString(CultureInfo.InvariantCulture));
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte or double or float or decimal:
                json.WritePropertyName(key);
                json.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            default:
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
