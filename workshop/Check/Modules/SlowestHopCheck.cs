using System.Globalization;
using System.Text.Json;

namespace Shop.Workshop.Check.Modules;

/// <summary>
/// Module 6: the learner ran the load generator, read the checkouts' trace waterfalls and wrote down the slowest hop
/// and the metric that shows it (workshop/answers/06.txt). The check recomputes the hop from the same traces (the
/// Shop dashboard's critical path of the newest 30 checkouts it kept, self time summed per service and span name) and
/// the metric from the hop's span (its semantic-convention duration histogram), and finds that metric on the service.
/// </summary>
internal static class SlowestHopCheck
{
    public const string AnswerFile = "workshop/answers/06.txt";
    public const int SampledTraces = 30;

    /// <summary>How long after the run's end the Shop dashboard has decided on its last traces (5 s batch, 5 s decision wait, margin).</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(15);
    public const int MinimumCheckouts = 20;

    /// <summary>Answers within this share of the slowest hop's time count as right (two hops that close are a tie).</summary>
    public const double Tie = 0.10;

    public static async Task RunAsync(SuiteClient suite, string repository, string? traceLog, CheckReport report, CancellationToken cancellationToken)
    {
        traceLog ??= Directory.Exists(Path.Combine(repository, "load", "reports"))
            ? Directory.GetFiles(Path.Combine(repository, "load", "reports"), "traces-*.jsonl").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        if (traceLog is null || !File.Exists(traceLog))
        {
            report.Miss("no load-generator trace log (load/reports/traces-*.jsonl): run the load generator against the suite (step 1)");
            return;
        }

        var checkouts = CheckoutTraces(File.ReadLines(traceLog)).ToList();
        if (!report.Expect(checkouts.Count >= MinimumCheckouts,
                $"{Path.GetFileName(traceLog)}: {checkouts.Count} successful checkouts",
                $"{Path.GetFileName(traceLog)} has {checkouts.Count} successful checkouts, fewer than {MinimumCheckouts}: run the load generator for longer (step 1)"))
        {
            return;
        }

        var answer = Path.Combine(repository, AnswerFile);
        var (hop, metric) = File.Exists(answer) ? ParseAnswer(File.ReadAllText(answer)) : (null, null);
        report.Expect(hop is not null, $"{AnswerFile} names the hop {hop}", $"{AnswerFile} has no line 'hop: <service> <span name>' (step 3)");
        report.Expect(metric is not null, $"{AnswerFile} names the metric {metric}", $"{AnswerFile} has no line 'metric: <Prometheus metric family>' (step 4)");

        // The Shop dashboard decides which traces to keep a few seconds after they end (exporter batch, then its decision
        // wait); before that a trace is not there yet.
        var settled = File.GetLastWriteTimeUtc(traceLog) + Settle - DateTime.UtcNow;
        if (settled > TimeSpan.Zero)
        {
            await Task.Delay(settled, cancellationToken);
        }

        // The same traces, from the Shop dashboard: self time on each checkout's critical path, per hop, over the newest
        // checkouts it kept (tail sampling keeps every trace up to 10 a second, and a share of the rest).
        var totals = new Dictionary<string, (long Micros, TraceSpan Span)>(StringComparer.OrdinalIgnoreCase);
        var read = 0;
        foreach (var traceId in Enumerable.Reverse(checkouts))
        {
            if (read == SampledTraces)
            {
                break;
            }

            var spans = await suite.ShopDashboardTraceAsync(traceId, cancellationToken);
            using var path = await suite.GetJsonAsync(new Uri(suite.Endpoints.Dashboard, $"/api/traces/{traceId}/critical-path"), cancellationToken: cancellationToken);
            if (spans.Count == 0 || path is null)
            {
                continue;
            }

            read++;
            AddSelfTimes(totals, spans, path.RootElement);
        }

        if (!report.Expect(read >= 5, $"the Shop dashboard holds {read} of the run's {checkouts.Count} checkouts' traces: the newest {read} are compared",
                $"the Shop dashboard holds only {read} of the run's {checkouts.Count} checkouts' traces (the suite was restarted, or they aged out): run the load generator again"))
        {
            return;
        }

        var ranked = totals.OrderByDescending(t => t.Value.Micros).ToList();
        var slowest = ranked[0];
        var ties = ranked.TakeWhile(t => t.Value.Micros >= slowest.Value.Micros * (1 - Tie)).ToList();
        var summary = string.Join(", ", ranked.Take(3).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Value.Micros / 1000.0 / read:0.0} ms")));
        if (hop is null)
        {
            return;
        }

        var chosen = ties.FirstOrDefault(t => string.Equals(t.Key, Normalize(hop), StringComparison.OrdinalIgnoreCase));
        if (!report.Expect(chosen.Key is not null,
                $"the slowest hop is {chosen.Key} (mean self time on the critical path per checkout: {summary})",
                $"'{hop}' is not the slowest hop of these checkouts; the critical path's self time per checkout says: {summary} (step 3: open a few checkouts' waterfalls)"))
        {
            return;
        }

        if (metric is null)
        {
            return;
        }

        var expected = MetricOf(chosen.Value.Span);
        report.Expect(expected is null || string.Equals(metric, expected, StringComparison.Ordinal),
            $"{metric} is the semantic-convention histogram of that hop",
            $"{metric} is not the metric of {chosen.Key}: a {chosen.Value.Span.Kind} span {(chosen.Value.Span.IsDatabase ? "of the database" : chosen.Value.Span.IsGrpc ? "of gRPC" : "of HTTP")} is measured by {expected} (step 4)");
        if (suite.Endpoints.Services.TryGetValue(chosen.Value.Span.Service, out var address))
        {
            var exposition = await suite.GetTextAsync(new Uri(address, "/metrics"), cancellationToken);
            report.Expect(exposition.Contains(metric + "_bucket{", StringComparison.Ordinal),
                $"{chosen.Value.Span.Service} exposes {metric} on /metrics",
                $"{chosen.Value.Span.Service}'s /metrics has no histogram {metric}");
        }
    }

    /// <summary>Trace ids of the successful checkouts in a load-generator trace log (JSON lines: traceId, scenario, status).</summary>
    public static IEnumerable<string> CheckoutTraces(IEnumerable<string> lines)
    {
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            using var entry = JsonDocument.Parse(line);
            var root = entry.RootElement;
            if (root.GetProperty("scenario").GetString() == "checkout" && root.GetProperty("status").GetInt32() is >= 200 and < 300
                && root.GetProperty("traceId").GetString() is { Length: > 0 } traceId)
            {
                yield return traceId;
            }
        }
    }

    /// <summary>The 'hop:' and 'metric:' lines of the answer file (blank lines and # comments ignored).</summary>
    public static (string? Hop, string? Metric) ParseAnswer(string text)
    {
        string? hop = null, metric = null;
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var value = line[(colon + 1)..].Trim();
            switch (line[..colon].Trim().ToLowerInvariant())
            {
                case "hop" when value.Length > 0:
                    hop = value;
                    break;
                case "metric" when value.Length > 0:
                    metric = value;
                    break;
            }
        }

        return (hop, metric);
    }

    /// <summary>Adds each span's self time on the critical path (the dashboard's critical-path answer) to its hop, "service span name".</summary>
    public static void AddSelfTimes(Dictionary<string, (long Micros, TraceSpan Span)> totals, IReadOnlyList<TraceSpan> spans, JsonElement criticalPath)
    {
        var bySpanId = spans.GroupBy(s => s.SpanId, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        foreach (var entry in criticalPath.GetProperty("data").GetProperty("selfTime").EnumerateObject())
        {
            if (bySpanId.TryGetValue(entry.Name, out var span))
            {
                var key = Hop(span);
                totals[key] = (totals.GetValueOrDefault(key).Micros + entry.Value.GetInt64(), span);
            }
        }
    }

    public static string Hop(TraceSpan span) => $"{span.Service} {span.Name}";

    /// <summary>The duration histogram the semantic conventions give a span of this kind, as Prometheus names it; null for spans without one.</summary>
    public static string? MetricOf(TraceSpan span) => (span.Kind, span.IsDatabase, span.IsGrpc) switch
    {
        ("client", true, _) => "db_client_operation_duration_seconds",
        ("client", _, true) => "rpc_client_call_duration_seconds",
        ("server", _, true) => "rpc_server_call_duration_seconds",
        ("client", _, _) => "http_client_request_duration_seconds",
        ("server", _, _) => "http_server_request_duration_seconds",
        _ => null,
    };

    private static string Normalize(string hop) => string.Join(' ', hop.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
