using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Recording;

/// <summary>
/// One request's end: HTTP status (0 when no answer came) or the exception kind, latency from the intended start,
/// service time from the actual send, and the trace id the gateway answered in <c>traceresponse</c>.
/// </summary>
internal sealed record RequestResult(Scenario Scenario, int Status, string? Exception, double LatencyMs, double ServiceMs, string? TraceId, long EndUnixMs)
{
    public bool Succeeded => Exception is null && Status is >= 200 and < 300;

    /// <summary>Server errors and failed exchanges: what the availability SLOs count as bad.</summary>
    public bool ServerError => Exception is not null || Status >= 500;

    /// <summary>"201", "HTTP 503" or the exception kind, for the trace log and the error table.</summary>
    public string Outcome => Exception ?? (Succeeded ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"HTTP {Status}");

    /// <summary>The trace id from a W3C Trace Context Level 2 traceresponse value, 00-{trace-id}-{span-id}-{flags}.</summary>
    public static string? TraceIdFrom(string? traceresponse)
    {
        if (traceresponse is null)
        {
            return null;
        }

        var parts = traceresponse.Trim().Split('-');
        return parts.Length >= 4 && parts[0].Length == 2 && parts[1].Length == 32 && parts[1].All(char.IsAsciiHexDigitLower) && parts[1] != new string('0', 32)
            ? parts[1]
            : null;
    }
}
