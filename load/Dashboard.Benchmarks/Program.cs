using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Shop.Dashboard;
using Shop.Dashboard.Benchmarks;
using Shop.Dashboard.Forwarding;
using Shop.Dashboard.Ingest;
using Shop.Dashboard.Store;
using Shop.Hosting;
using Shop.Otlp.Collector.Trace.V1;

// dotnet run -c Release --project load/Dashboard.Benchmarks [-- --spans 1000000 --senders 4 --rca-traces 2000]
var spans = Option("--spans", 1_000_000);
var senders = Option("--senders", 4);
var rcaTraces = Option("--rca-traces", 2000);
var traces = spans / CheckoutTraces.SpansPerTrace;
var report = new BenchmarkReport(Environment.ProcessorCount, Environment.OSVersion.ToString(), Environment.Version.ToString(), spans)
{
    LoadAverageAtStart = LoadAverage(),
};

Console.WriteLine($"Generating {spans:N0} spans ({traces:N0} checkout traces, 512-span requests)...");
var traceIds = new List<ByteString>(traces);
var requests = new CheckoutTraces(seed: 42).Requests(traces, 512, traceIds);

// 1. Memory of the store itself, in this process: live managed bytes after a full GC, with and without 1M spans.
{
    var before = LiveBytes();
    var store = new SpanStore(spans);
    var ingest = InProcessIngest(store);
    var watch = Stopwatch.StartNew();
    foreach (var (payload, _) in requests)
    {
        ingest.Accept(ExportTraceServiceRequest.Parser.ParseFrom(payload));
    }

    watch.Stop();
    var after = LiveBytes();
    report.StoreBytes = after - before;
    report.InProcessSpansPerSecond = spans / watch.Elapsed.TotalSeconds;
    Console.WriteLine($"In process: {report.InProcessSpansPerSecond:N0} spans/s decode+store on one thread; {report.StoreBytes / 1048576.0:N0} MiB for {store.Stats().Spans:N0} spans ({report.StoreBytes / (double)spans:N0} B/span)");
    GC.KeepAlive(store);
}

// 2. The dashboard as a process: OTLP/HTTP ingest rate, then query latency over HTTP with everything stored.
var queryPort = FreePort.Next();
var httpPort = FreePort.Next();
var grpcPort = FreePort.Next();
using var dashboard = StartDashboard(queryPort, httpPort, grpcPort, spans);
try
{
    using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
    var query = $"http://127.0.0.1:{queryPort}";
    await WaitAlive(client, query, dashboard);

    // OTLP/HTTP into the empty store, then OTLP/gRPC with new traces into the full one (every span evicts one).
    var elapsed = await Send(requests, senders, (client, payload) => PostHttp(client, $"http://127.0.0.1:{httpPort}/v1/traces", payload));
    report.HttpSpansPerSecond = spans / elapsed.TotalSeconds;
    Console.WriteLine($"OTLP/HTTP ingest: {report.HttpSpansPerSecond:N0} spans/s ({senders} senders, {requests.Count:N0} requests in {elapsed.TotalSeconds:N1} s)");

    traceIds.Clear();
    requests = new CheckoutTraces(seed: 43).Requests(traces, 512, traceIds);
    elapsed = await Send(requests, senders, (client, payload) => PostGrpc(client, $"http://127.0.0.1:{grpcPort}", payload));
    report.GrpcSpansPerSecond = spans / elapsed.TotalSeconds;
    Console.WriteLine($"OTLP/gRPC ingest (store full, evicting): {report.GrpcSpansPerSecond:N0} spans/s ({senders} senders, {requests.Count:N0} calls in {elapsed.TotalSeconds:N1} s)");
    requests = [];

    var status = await ReadStatus(client, query);
    report.StoredSpans = status.GetProperty("spans").GetProperty("spans").GetInt32();
    report.ProcessWorkingSetBytes = status.GetProperty("memory").GetProperty("workingSetBytes").GetInt64();
    report.ProcessManagedBytes = status.GetProperty("memory").GetProperty("managedBytes").GetInt64();
    Console.WriteLine($"Stored {report.StoredSpans:N0} spans; process working set {report.ProcessWorkingSetBytes / 1048576.0:N0} MiB, managed heap {report.ProcessManagedBytes / 1048576.0:N0} MiB");

    var random = new Random(7);
    report.TraceById = await Measure(client, 1000, () => $"{query}/api/traces/{Convert.ToHexStringLower(traceIds[random.Next(traceIds.Count)].Span)}");
    Console.WriteLine($"Trace by id: {report.TraceById}");
    var searches = new Dictionary<string, string>
    {
        ["service, newest 20"] = "service=gateway&limit=20",
        ["service + operation, newest 20"] = "service=orders&operation=POST%20%2Forders&limit=20",
        ["tag (indexed) tenant.id, newest 20"] = "service=gateway&tag=tenant.id:tenant-7&limit=20",
        ["rare tag http.response.status_code=500, newest 20"] = "service=gateway&tag=http.response.status_code:500&limit=20",
        ["minDuration=500ms, newest 20"] = "service=payments&minDuration=500ms&limit=20",
        ["error=true (derived tag, scan), newest 20"] = "service=payments&tag=error:true&limit=20",
        ["no match (tenant.id=none, indexed)"] = "service=gateway&tag=tenant.id:none&limit=20",
        ["no match (scans every gateway span, maxDuration=1us)"] = "service=gateway&maxDuration=1us&limit=20",
    };
    foreach (var (name, parameters) in searches)
    {
        var latency = await Measure(client, 50, () => $"{query}/api/traces?{parameters}&lookback=2h");
        report.Searches[name] = latency;
        Console.WriteLine($"Search {name}: {latency}");
    }

    report.Dependencies = await Measure(client, 5, () => $"{query}/api/dependencies?lookback=7200000");
    Console.WriteLine($"Dependencies over {spans:N0} spans: {report.Dependencies}");

    // What Dashboard:Alerts:MaxTraces bounds: one analysis of the newest N traces of a service.
    report.RcaTraces = rcaTraces;
    report.RootCauseAnalysis = await Measure(client, 10, () => $"{query}/api/rca?service=gateway&lookback=2h");
    Console.WriteLine($"Root-cause analysis of the newest {rcaTraces:N0} gateway traces: {report.RootCauseAnalysis}");
}
finally
{
    dashboard.Kill(entireProcessTree: true);
}

report.Write();
return 0;

static int Option(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static async Task<TimeSpan> Send(List<(byte[] Payload, int Spans)> requests, int senders, Func<HttpClient, byte[], Task> send)
{
    var watch = Stopwatch.StartNew();
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
    {
        using var client = new HttpClient();
        int index;
        while ((index = Interlocked.Increment(ref next)) < requests.Count)
        {
            await send(client, requests[index].Payload);
        }
    }));
    return watch.Elapsed;
}

static async Task PostHttp(HttpClient client, string url, byte[] payload)
{
    using var content = new ByteArrayContent(payload);
    content.Headers.ContentType = new("application/x-protobuf");
    using var response = await client.PostAsync(url, content);
    response.EnsureSuccessStatusCode();
}

// A unary gRPC call on cleartext HTTP/2: one length-prefixed message, grpc-status in the trailers.
static async Task PostGrpc(HttpClient client, string baseUrl, byte[] payload)
{
    var frame = new byte[5 + payload.Length];
    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
    payload.CopyTo(frame.AsSpan(5));
    using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/opentelemetry.proto.collector.trace.v1.TraceService/Export")
    {
        Content = new ByteArrayContent(frame),
        Version = System.Net.HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
    request.Content.Headers.ContentType = new("application/grpc");
    using var response = await client.SendAsync(request);
    await response.Content.ReadAsByteArrayAsync();
    var status = response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.First()
        : response.Headers.TryGetValues("grpc-status", out var headerValues) ? headerValues.First() : "missing";
    if (status != "0")
    {
        throw new InvalidOperationException($"gRPC export answered grpc-status {status}");
    }
}

// Other work on the box skews every figure: the report says how busy it was.
static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static long LiveBytes()
{
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    return GC.GetTotalMemory(forceFullCollection: true);
}

static OtlpIngest InProcessIngest(SpanStore store)
{
    var options = Options.Create(new DashboardOptions());
    var forwarder = new OtlpForwarder(options, new ForwardTransportFactory(null!, null!), Microsoft.Extensions.Logging.Abstractions.NullLogger<OtlpForwarder>.Instance);
    return new OtlpIngest(new OtlpConverter(new StringPool()), new SpanSink(store, forwarder), new LogStore(1), new MetricStore(1, TimeSpan.FromMinutes(1)), forwarder, new IngestCounters());
}

static Process StartDashboard(int queryPort, int httpPort, int grpcPort, int maxSpans)
{
    var root = AppContext.BaseDirectory;
    while (!File.Exists(Path.Combine(root, "Shop.sln")))
    {
        root = Path.GetDirectoryName(root.TrimEnd('/')) ?? throw new InvalidOperationException("Shop.sln not found above the benchmark.");
    }

    var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
    var dll = Path.Combine(root, "src", "Dashboard", "bin", configuration, "net10.0", "Shop.Dashboard.dll");
    var start = new ProcessStartInfo("dotnet", [dll]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    start.Environment["Dashboard__QueryUrl"] = $"http://127.0.0.1:{queryPort}";
    start.Environment["Dashboard__OtlpHttpUrl"] = $"http://127.0.0.1:{httpPort}";
    start.Environment["Dashboard__OtlpGrpcUrl"] = $"http://127.0.0.1:{grpcPort}";
    start.Environment["Dashboard__MaxSpans"] = maxSpans.ToString(CultureInfo.InvariantCulture);
    start.Environment["Dashboard__Alerts__MaxTraces"] = Option("--rca-traces", 2000).ToString(CultureInfo.InvariantCulture);
    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task WaitAlive(HttpClient client, string query, Process dashboard)
{
    for (var i = 0; i < 300; i++)
    {
        if (dashboard.HasExited)
        {
            throw new InvalidOperationException($"The dashboard exited with {dashboard.ExitCode}.");
        }

        try
        {
            if ((await client.GetAsync($"{query}/alive")).IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(100);
    }

    throw new TimeoutException("The dashboard did not come alive.");
}

static async Task<JsonElement> ReadStatus(HttpClient client, string query) =>
    JsonDocument.Parse(await client.GetStringAsync($"{query}/api/status")).RootElement.GetProperty("data");

static async Task<Latency> Measure(HttpClient client, int count, Func<string> url)
{
    await client.GetStringAsync(url());
    var samples = new List<double>(count);
    for (var i = 0; i < count; i++)
    {
        var target = url();
        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync(target);
        await response.Content.ReadAsByteArrayAsync();
        watch.Stop();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{target} answered {(int)response.StatusCode}");
        }

        samples.Add(watch.Elapsed.TotalMilliseconds);
    }

    samples.Sort();
    return new Latency(samples[samples.Count / 2], samples[(int)(samples.Count * 0.99)], samples[^1], count);
}

internal sealed record Latency(double P50Ms, double P99Ms, double MaxMs, int Samples)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"p50 {P50Ms:N2} ms, p99 {P99Ms:N2} ms, max {MaxMs:N2} ms ({Samples} requests)");
}

internal sealed class BenchmarkReport(int cores, string os, string runtime, int spans)
{
    public DateTimeOffset Date { get; } = DateTimeOffset.UtcNow;

    public int Cores { get; } = cores;

    public string Os { get; } = os;

    public string Runtime { get; } = runtime;

    public int Spans { get; } = spans;

    public string LoadAverageAtStart { get; init; } = "";

    public long StoreBytes { get; set; }

    public double InProcessSpansPerSecond { get; set; }

    public double HttpSpansPerSecond { get; set; }

    public double GrpcSpansPerSecond { get; set; }

    public int StoredSpans { get; set; }

    public long ProcessWorkingSetBytes { get; set; }

    public long ProcessManagedBytes { get; set; }

    public Latency? TraceById { get; set; }

    public Dictionary<string, Latency> Searches { get; } = [];

    public int RcaTraces { get; set; }

    public Latency? RootCauseAnalysis { get; set; }

    public Latency? Dependencies { get; set; }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public void Write()
    {
        var directory = Path.Combine(FindLoadDirectory(), "reports");
        Directory.CreateDirectory(directory);
        var stamp = Date.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var json = Path.Combine(directory, $"dashboard-{stamp}.json");
        var markdown = Path.Combine(directory, $"dashboard-{stamp}.md");
        File.WriteAllText(json, JsonSerializer.Serialize(this, Indented));
        File.WriteAllText(markdown, Markdown());
        Console.WriteLine();
        Console.WriteLine(Markdown());
        Console.WriteLine($"Report: {markdown} and {json}");
    }

    private string Markdown()
    {
        var mib = 1048576.0;
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"## Dashboard benchmark, {Date:yyyy-MM-dd}");
        text.AppendLine();
        text.AppendLine(inv, $"Machine: {Cores} cores, {Os}, .NET {Runtime}; load average at start {LoadAverageAtStart}. The senders run on the same cores.");
        text.AppendLine();
        text.AppendLine(inv, $"{Spans:N0} spans in checkout-shaped traces of 10 spans over 4 services (HTTP and RPC server and client spans, database spans, semantic-convention attributes, a unique order id per trace).");
        text.AppendLine();
        text.AppendLine("| measure | result | target |");
        text.AppendLine("|---|---|---|");
        text.AppendLine(inv, $"| ingest OTLP/HTTP (protobuf, 512-span requests) | {HttpSpansPerSecond:N0} spans/s | >= 50,000 spans/s |");
        text.AppendLine(inv, $"| ingest OTLP/gRPC (512-span calls, store full and evicting) | {GrpcSpansPerSecond:N0} spans/s | >= 50,000 spans/s |");
        text.AppendLine(inv, $"| decode + store in process, one thread | {InProcessSpansPerSecond:N0} spans/s | |");
        text.AppendLine(inv, $"| store memory for {Spans:N0} spans (live managed bytes) | {StoreBytes / mib:N0} MiB ({StoreBytes / (double)Spans:N0} B/span) | <= 1024 MiB |");
        text.AppendLine(inv, $"| dashboard process with {StoredSpans:N0} spans | working set {ProcessWorkingSetBytes / mib:N0} MiB, managed {ProcessManagedBytes / mib:N0} MiB | |");
        text.AppendLine(inv, $"| trace by id (HTTP, JSON) | {TraceById} | <= 20 ms |");
        foreach (var (name, latency) in Searches)
        {
            text.AppendLine(inv, $"| search: {name} | {latency} | |");
        }

        text.AppendLine(inv, $"| dependencies, 2 h window | {Dependencies} | |");
        text.AppendLine(inv, $"| root-cause analysis, newest {RcaTraces:N0} gateway traces (Dashboard:Alerts:MaxTraces) | {RootCauseAnalysis} | |");
        return text.ToString();
    }

    private static string FindLoadDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Shop.sln")))
            {
                return Path.Combine(dir.FullName, "load");
            }
        }

        return Path.Combine(Environment.CurrentDirectory, "load");
    }
}
