using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Shop.LoadGenerator.Privacy;

/// <summary>What the client sent: the full names and e-mail addresses the scan must not find anywhere.</summary>
internal sealed record SentPii(IReadOnlyCollection<string> FullNames, IReadOnlyCollection<string> Emails);

/// <summary>The result of a scan: every finding, and how many items each source gave (a source that gave 0 was not covered).</summary>
internal sealed record PiiScanResult(IReadOnlyList<PiiFinding> Findings, IReadOnlyDictionary<string, long> ItemsBySource, IReadOnlyList<string> Problems)
{
    public long Items => ItemsBySource.Values.Sum();

    public int Count(PiiKind kind) => Findings.Count(f => f.Kind == kind);

    public string Summary =>
        $"pii: {Count(PiiKind.Email)} e-mail addresses, {Count(PiiKind.CardNumber)} card-like numbers, {Count(PiiKind.FullName)} full names " +
        $"in {Items.ToString(CultureInfo.InvariantCulture)} items from {ItemsBySource.Count(s => s.Value > 0)} sources";

    /// <summary>The summary line, the items per source, what could not be read and the findings (at most <paramref name="maxFindings"/>).</summary>
    public void Print(TextWriter output, int maxFindings = 50)
    {
        foreach (var (source, items) in ItemsBySource)
        {
            output.WriteLine($"  {source}: {items.ToString(CultureInfo.InvariantCulture)} items");
        }

        foreach (var problem in Problems)
        {
            output.WriteLine($"  not scanned: {problem}");
        }

        foreach (var finding in Findings.Take(maxFindings))
        {
            output.WriteLine($"  {finding}");
        }

        if (Findings.Count > maxFindings)
        {
            output.WriteLine($"  ... and {Findings.Count - maxFindings} more");
        }

        output.WriteLine(Summary);
    }
}

/// <summary>Where a running suite keeps its telemetry, from endpoints.json.</summary>
internal sealed record PiiScanTargets(Uri ShopDashboard, IReadOnlyDictionary<string, Uri> Metrics, Uri? AspireDashboard, string? AspireApiKey, Uri? OtlpHttp)
{
    public static PiiScanTargets FromEndpointsFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: start the suite (dotnet run --project AppHost) or pass --endpoints FILE.", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var metrics = new SortedDictionary<string, Uri>(StringComparer.Ordinal);
        if (root.TryGetProperty("services", out var services))
        {
            foreach (var service in services.EnumerateObject())
            {
                if (service.Value.TryGetProperty("metrics", out var url) && url.GetString() is { Length: > 0 } metricsUrl)
                {
                    metrics[service.Name] = new Uri(metricsUrl);
                }
            }
        }

        Uri? aspire = null;
        string? key = null;
        if (root.TryGetProperty("aspire", out var aspireJson) && aspireJson.ValueKind == JsonValueKind.Object)
        {
            aspire = aspireJson.TryGetProperty("dashboard", out var d) && d.GetString() is { Length: > 0 } a ? new Uri(a) : null;
            key = aspireJson.TryGetProperty("apiKey", out var k) ? k.GetString() : null;
        }

        var otlp = root.TryGetProperty("otlp", out var o) && o.TryGetProperty("http", out var h) && h.GetString() is { Length: > 0 } otlpUrl ? new Uri(otlpUrl) : null;
        var dashboard = root.TryGetProperty("dashboard", out var s) && s.GetString() is { Length: > 0 } shop
            ? new Uri(shop)
            : throw new InvalidDataException($"{path} has no \"dashboard\" URL.");
        return new PiiScanTargets(dashboard, metrics, aspire, key, otlp);
    }
}

/// <summary>
/// Scans everything a running suite stored and exported for personal data: the Shop dashboard's spans (Jaeger API),
/// log records and metric series; every service's Prometheus <c>/metrics</c>; the Aspire dashboard's resources,
/// spans and structured logs (telemetry API); and the services' console output as DCP captured it.
/// </summary>
internal static class PiiScan
{
    private const int AspireLimit = 1_000_000;

    /// <summary>Scans every source of <paramref name="targets"/>; console logs are read from the files DCP writes the services' output to.</summary>
    public static async Task<PiiScanResult> RunAsync(PiiScanTargets targets, SentPii sent, HttpClient http, CancellationToken cancellationToken)
    {
        var scan = new Collector(new PiiScanner(sent.FullNames, sent.Emails));
        await scan.Guard("shop-dashboard", () => ScanShopDashboardAsync(scan, targets.ShopDashboard, http, cancellationToken), cancellationToken);
        foreach (var (service, url) in targets.Metrics)
        {
            await scan.Guard($"metrics {service}", () => ScanPrometheusAsync(scan, $"metrics {service}", url, http, cancellationToken), cancellationToken);
        }

        if (targets.AspireDashboard is { } aspire)
        {
            await scan.Guard("aspire-dashboard", () => ScanAspireAsync(scan, aspire, targets.AspireApiKey, http, cancellationToken), cancellationToken);
        }
        else
        {
            scan.Problems.Add("aspire-dashboard: endpoints.json names none");
        }

        var consoles = targets.OtlpHttp is { } otlp ? ConsoleLogs.Find(otlp) : [];
        foreach (var (resource, file) in consoles)
        {
            await scan.Guard($"console {resource}", () => ScanLinesAsync(scan, $"console {resource}", file, cancellationToken), cancellationToken);
        }

        if (consoles.Count == 0)
        {
            scan.Problems.Add("console logs: no DCP session directory found for the services exporting to the suite's OTLP endpoint");
        }

        return scan.Result();
    }

    /// <summary>Runs a scan against the suite of <paramref name="endpointsPath"/> with a client of its own.</summary>
    public static async Task<PiiScanResult> RunAsync(string endpointsPath, SentPii sent, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        return await RunAsync(PiiScanTargets.FromEndpointsFile(endpointsPath), sent, http, cancellationToken);
    }

    /// <summary>Scans lines of text (a console log) as one source, one item per line.</summary>
    private static async Task ScanLinesAsync(Collector scan, string source, string file, CancellationToken cancellationToken)
    {
        scan.Touch(source);
        // Shared read: the service is still writing it.
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            scan.Text(source, $"line {++number}", line);
        }
    }

    private static async Task ScanShopDashboardAsync(Collector scan, Uri dashboard, HttpClient http, CancellationToken cancellationToken)
    {
        using var status = await GetJsonAsync(http, new Uri(dashboard, "/api/status"), null, cancellationToken);
        var storedSpans = status.RootElement.GetProperty("data").GetProperty("spans").GetProperty("spans").GetInt64();
        var storedLogs = status.RootElement.GetProperty("data").GetProperty("logs").GetProperty("records").GetInt64();

        // Spans: every service's traces through Jaeger's search (at most 1500 a query), paged back in time by the
        // earliest start of the service's spans in the page, until a page brings no trace not seen yet.
        const string Traces = "shop-dashboard traces";
        scan.Touch(Traces);
        using var services = await GetJsonAsync(http, new Uri(dashboard, "/api/services"), null, cancellationToken);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long spans = 0;
        foreach (var service in services.RootElement.GetProperty("data").EnumerateArray().Select(s => s.GetString()!))
        {
            var end = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000) * 1000;
            while (true)
            {
                using var page = await GetJsonAsync(http, new Uri(dashboard,
                    $"/api/traces?service={Uri.EscapeDataString(service)}&lookback=2d&end={end}&limit=1500"), null, cancellationToken);
                var added = 0;
                foreach (var trace in page.RootElement.GetProperty("data").EnumerateArray())
                {
                    var processes = trace.GetProperty("processes");
                    foreach (var span in trace.GetProperty("spans").EnumerateArray())
                    {
                        var processId = span.GetProperty("processID").GetString()!;
                        if (processes.GetProperty(processId).GetProperty("serviceName").GetString() == service)
                        {
                            end = Math.Min(end, span.GetProperty("startTime").GetInt64());
                        }
                    }

                    var traceId = trace.GetProperty("traceID").GetString()!;
                    if (!seen.Add(traceId))
                    {
                        continue;
                    }

                    added++;
                    foreach (var span in trace.GetProperty("spans").EnumerateArray())
                    {
                        spans++;
                        scan.Json(Traces, $"trace {traceId} span {span.GetProperty("spanID").GetString()}", span);
                    }

                    scan.Json(Traces, $"trace {traceId} processes", processes, countsAsItem: false);
                }

                if (added == 0)
                {
                    break;
                }
            }
        }

        if (spans < storedSpans)
        {
            scan.Problems.Add($"{Traces}: the trace search reached {spans} of the {storedSpans} spans stored");
        }

        // Log records, newest first, a page at a time: the API sorts by time and pages by sequence number (before).
        const string Logs = "shop-dashboard logs";
        scan.Touch(Logs);
        var seenLogs = new HashSet<long>();
        long? before = null;
        while (true)
        {
            using var page = await GetJsonAsync(http, new Uri(dashboard, $"/api/logs?limit=1000{(before is { } b ? $"&before={b}" : "")}"), null, cancellationToken);
            var records = page.RootElement.GetProperty("data");
            if (records.GetArrayLength() == 0)
            {
                break;
            }

            foreach (var record in records.EnumerateArray())
            {
                var seq = record.GetProperty("seq").GetInt64();
                before = Math.Min(before ?? long.MaxValue, seq);
                if (seenLogs.Add(seq))
                {
                    scan.Json(Logs, $"log {seq} of {record.GetProperty("service").GetString()}", record);
                }
            }
        }

        if (seenLogs.Count < storedLogs)
        {
            scan.Problems.Add($"{Logs}: the log API reached {seenLogs.Count} of the {storedLogs} records stored");
        }

        // Metric series the dashboard stores (what it forwards too): their attributes.
        const string Metrics = "shop-dashboard metrics";
        scan.Touch(Metrics);
        using var instruments = await GetJsonAsync(http, new Uri(dashboard, "/api/metrics/instruments"), null, cancellationToken);
        foreach (var instrument in instruments.RootElement.GetProperty("data").EnumerateArray())
        {
            var service = instrument.GetProperty("service").GetString()!;
            var name = instrument.GetProperty("name").GetString()!;
            using var series = await GetJsonAsync(http, new Uri(dashboard, $"/api/metrics/series?service={Uri.EscapeDataString(service)}&name={Uri.EscapeDataString(name)}"), null, cancellationToken);
            var index = 0;
            foreach (var one in series.RootElement.GetProperty("data").EnumerateArray())
            {
                scan.Json(Metrics, $"{service} {name} series {index++}", one.GetProperty("attributes"));
            }
        }
    }

    private static async Task ScanPrometheusAsync(Collector scan, string source, Uri url, HttpClient http, CancellationToken cancellationToken)
    {
        scan.Touch(source);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/plain");
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            // A sample line: name{labels} value [timestamp] [# exemplar]. Comments (HELP, TYPE) are text too.
            if (line.Length > 0)
            {
                scan.Text(source, $"line {number} ({MetricName(line)})", line);
            }
        }
    }

    private static async Task ScanAspireAsync(Collector scan, Uri aspire, string? apiKey, HttpClient http, CancellationToken cancellationToken)
    {
        var headers = apiKey is null ? null : new Dictionary<string, string> { ["x-api-key"] = apiKey };
        const string Resources = "aspire-dashboard resources";
        scan.Touch(Resources);
        using (var resources = await GetJsonAsync(http, new Uri(aspire, "/api/telemetry/resources"), headers, cancellationToken))
        {
            var list = resources.RootElement.ValueKind == JsonValueKind.Array ? resources.RootElement
                : resources.RootElement.TryGetProperty("data", out var d) ? d : resources.RootElement;
            var index = 0;
            foreach (var resource in list.ValueKind == JsonValueKind.Array ? [.. list.EnumerateArray()] : new[] { list })
            {
                scan.Json(Resources, $"resource {index++}", resource);
            }
        }

        const string Spans = "aspire-dashboard spans";
        scan.Touch(Spans);
        using (var spans = await GetJsonAsync(http, new Uri(aspire, $"/api/telemetry/spans?limit={AspireLimit}"), headers, cancellationToken))
        {
            ScanOtlp(scan, Spans, spans.RootElement.GetProperty("data"), "resourceSpans", "scopeSpans", "spans", "span");
            CheckComplete(scan, Spans, spans.RootElement);
        }

        const string Logs = "aspire-dashboard logs";
        scan.Touch(Logs);
        using (var logs = await GetJsonAsync(http, new Uri(aspire, $"/api/telemetry/logs?limit={AspireLimit}"), headers, cancellationToken))
        {
            ScanOtlp(scan, Logs, logs.RootElement.GetProperty("data"), "resourceLogs", "scopeLogs", "logRecords", "log");
            CheckComplete(scan, Logs, logs.RootElement);
        }
    }

    private static void CheckComplete(Collector scan, string source, JsonElement answer)
    {
        if (answer.TryGetProperty("totalCount", out var total) && answer.TryGetProperty("returnedCount", out var returned) && returned.GetInt64() < total.GetInt64())
        {
            scan.Problems.Add($"{source}: the API returned {returned.GetInt64()} of {total.GetInt64()}");
        }
    }

    // OTLP/JSON: resource → scope → items; one item per span or log record, the resource and scope scanned with them.
    private static void ScanOtlp(Collector scan, string source, JsonElement data, string resourceKey, string scopeKey, string itemsKey, string what)
    {
        if (!data.TryGetProperty(resourceKey, out var resources))
        {
            return;
        }

        foreach (var resource in resources.EnumerateArray())
        {
            var service = ServiceName(resource);
            if (resource.TryGetProperty("resource", out var attributes))
            {
                scan.Json(source, $"{service} resource", attributes, countsAsItem: false);
            }

            foreach (var scope in resource.TryGetProperty(scopeKey, out var scopes) ? scopes.EnumerateArray() : default)
            {
                var index = 0;
                foreach (var item in scope.TryGetProperty(itemsKey, out var items) ? items.EnumerateArray() : default)
                {
                    var id = item.TryGetProperty("spanId", out var spanId) && what == "span" ? spanId.GetString() : index.ToString(CultureInfo.InvariantCulture);
                    scan.Json(source, $"{service} {what} {id}", item);
                    index++;
                }
            }
        }
    }

    private static string ServiceName(JsonElement resourceItem)
    {
        if (resourceItem.TryGetProperty("resource", out var resource) && resource.TryGetProperty("attributes", out var attributes))
        {
            foreach (var attribute in attributes.EnumerateArray())
            {
                if (attribute.GetProperty("key").GetString() == "service.name"
                    && attribute.GetProperty("value").TryGetProperty("stringValue", out var name))
                {
                    return name.GetString() ?? "?";
                }
            }
        }

        return "?";
    }

    private static string MetricName(string line)
    {
        var end = line.IndexOfAny(['{', ' ']);
        return line.StartsWith('#') ? "comment" : end > 0 ? line[..end] : line;
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, Uri url, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {url.AbsolutePath} answered {(int)response.StatusCode}");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
    }

    /// <summary>Gathers findings and item counts per source; a source that fails is reported, not fatal.</summary>
    internal sealed class Collector(PiiScanner scanner)
    {
        private readonly List<PiiFinding> _findings = [];
        private readonly SortedDictionary<string, long> _items = new(StringComparer.Ordinal);

        public List<string> Problems { get; } = [];

        public void Touch(string source) => _items.TryAdd(source, 0);

        public void Text(string source, string location, string text)
        {
            _items[source] = _items.GetValueOrDefault(source) + 1;
            _findings.AddRange(scanner.Scan(source, location, text));
        }

        public void Json(string source, string location, JsonElement element, bool countsAsItem = true)
        {
            if (countsAsItem)
            {
                _items[source] = _items.GetValueOrDefault(source) + 1;
            }

            _findings.AddRange(scanner.ScanJson(source, location, element));
        }

        public async Task Guard(string source, Func<Task> scan, CancellationToken cancellationToken)
        {
            try
            {
                await scan();
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or IOException or UnauthorizedAccessException or KeyNotFoundException or InvalidOperationException or TaskCanceledException
                && !cancellationToken.IsCancellationRequested)
            {
                Problems.Add($"{source}: {e.Message}");
            }
        }

        public PiiScanResult Result() => new([.. _findings], new SortedDictionary<string, long>(_items, StringComparer.Ordinal), [.. Problems]);
    }
}
