namespace Shop.Dashboard;

/// <summary>The <c>Dashboard</c> configuration section (environment variables: <c>Dashboard__QueryUrl</c> and so on).</summary>
internal sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>UI and query API (Jaeger's query port).</summary>
    public string QueryUrl { get; set; } = "http://127.0.0.1:16686";

    /// <summary>OTLP/gRPC receiver.</summary>
    public string OtlpGrpcUrl { get; set; } = "http://127.0.0.1:4317";

    /// <summary>OTLP/HTTP receiver (protobuf and JSON).</summary>
    public string OtlpHttpUrl { get; set; } = "http://127.0.0.1:4318";

    /// <summary>Required when any URL binds a non-loopback address: OTLP clients send it as <c>x-otlp-api-key</c>, the UI and API as <c>x-api-key</c> or through the login cookie.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Spans kept in memory; the oldest are evicted first.</summary>
    public int MaxSpans { get; set; } = 250_000;

    /// <summary>Log records kept in memory; the oldest are evicted first.</summary>
    public int MaxLogRecords { get; set; } = 100_000;

    /// <summary>Metric series kept (distinct service, instrument and attribute sets).</summary>
    public int MaxMetricSeries { get; set; } = 10_000;

    /// <summary>How long metric points are kept for rate, percentile and SLO windows: past the longest burn-rate window (6 h) plus the SLO page's hour of charts.</summary>
    public TimeSpan MetricRetention { get; set; } = TimeSpan.FromHours(7);

    /// <summary>Largest OTLP request body, compressed and after decompression (the OTLP specification recommends 20 MiB).</summary>
    public int MaxRequestBodyBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>OTLP requests decoded at the same time; more wait, and are refused with 503 when waiting takes too long.</summary>
    public int MaxConcurrentIngest { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>
    /// Once a stop is requested, the receivers stay open until no export arrived for this long (at most
    /// <see cref="Ingest.IngestDrain.Limit"/> in all): the services of a stopping suite flush their last telemetry on the
    /// way out (Ingest/IngestDrain.cs). Zero closes them at once.
    /// </summary>
    public TimeSpan StopDrain { get; set; } = TimeSpan.FromSeconds(1);

    public TailSamplingOptions TailSampling { get; set; } = new();

    public ForwardOptions Forward { get; set; } = new();

    public AlertOptions Alerts { get; set; } = new();

    /// <summary>The service level objectives the SLO page shows (the AppHost passes observability/slos.yaml's).</summary>
    public List<SloOptions> Slos { get; set; } = [];
}

/// <summary>One SLO of <c>Dashboard:Slos</c>, as observability/slos.yaml writes it.</summary>
internal sealed class SloOptions
{
    public string Name { get; set; } = "";

    /// <summary>The service (OTel service name) whose server duration histogram is the indicator.</summary>
    public string Service { get; set; } = "";

    /// <summary>Percent of eligible requests that must be good, e.g. 99.5.</summary>
    public double Objective { get; set; }

    public string Description { get; set; } = "";

    /// <summary>http-availability, grpc-availability, http-latency or grpc-latency.</summary>
    public string Type { get; set; } = "";

    /// <summary>Seconds, for latency: a request slower than this is bad (a histogram bucket boundary).</summary>
    public double? Threshold { get; set; }

    /// <summary>Further attribute matchers, in Prometheus label form (http_route) or attribute form (http.route).</summary>
    public Dictionary<string, string> Selector { get; set; } = [];
}

/// <summary>The <c>Dashboard:Alerts</c> section: Alertmanager notifications kept and how each firing alert is analysed.</summary>
internal sealed class AlertOptions
{
    /// <summary>Alerts kept (one per Alertmanager fingerprint and start); the oldest are evicted first.</summary>
    public int MaxAlerts { get; set; } = 200;

    /// <summary>How far before an alert's start the analysis looks: the page alert's long window (1h) by default.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Traces of the alerting service an analysis reads at most, the newest first.</summary>
    public int MaxTraces { get; set; } = 2000;

    /// <summary>Largest webhook body accepted (413 above it).</summary>
    public int MaxWebhookBytes { get; set; } = 1024 * 1024;
}

/// <summary>The <c>Dashboard:TailSampling</c> section: keep errors, slow traces and a ratio of the rest.</summary>
internal sealed class TailSamplingOptions
{
    public bool Enabled { get; set; }

    /// <summary>Wait after the root span arrived before deciding; longer than the exporters' batch delay (OTEL_BSP_SCHEDULE_DELAY) catches late child spans.</summary>
    public TimeSpan DecisionWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Decide anyway this long after a trace's first span when its root never arrives.</summary>
    public TimeSpan MaxTraceWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Traces at least this long (first span start to last span end) are always kept.</summary>
    public TimeSpan SlowThreshold { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Fraction (0..1) of the other traces kept, chosen deterministically from the trace id.</summary>
    public double KeepRatio { get; set; } = 0.1;

    /// <summary>
    /// Normal traces kept whatever their trace id, up to this many per second (a budget of <see cref="DecisionWait"/>'s worth,
    /// since the services' batches bring traces in clumps, that refills at this rate); the ratio decides only above it, so a
    /// developer at a few requests per second sees every trace. 0: the ratio alone.
    /// </summary>
    public double KeepAllPerSecond { get; set; }

    /// <summary>Spans (and log records following their trace) waiting for a decision; past it the oldest traces are decided early.</summary>
    public int MaxPendingSpans { get; set; } = 100_000;
}

/// <summary>The <c>Dashboard:Forward</c> section: an upstream OTLP endpoint (Jaeger, a collector) that gets everything kept.</summary>
internal sealed class ForwardOptions
{
    /// <summary>Base URL as in OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://localhost:4318; unset disables forwarding.</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string Protocol { get; set; } = ForwardProtocols.HttpProtobuf;

    /// <summary>Comma-separated signals to forward: traces, logs, metrics. Jaeger takes traces only.</summary>
    public string Signals { get; set; } = "traces";

    /// <summary>Extra request headers as in OTEL_EXPORTER_OTLP_HEADERS: <c>key=value,key2=value2</c>.</summary>
    public string? Headers { get; set; }

    /// <summary>Items (spans, log records, data points) waiting to be sent; past it new batches are dropped and counted.</summary>
    public int MaxQueuedItems { get; set; } = 100_000;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// With tail sampling on: kept traces that are neither errors nor slow are forwarded up to this many per second (a budget
    /// of <see cref="TailSamplingOptions.DecisionWait"/>'s worth), the rest only stored. Unset: every kept normal trace is forwarded.
    /// </summary>
    public double? NormalTracesPerSecond { get; set; }

    /// <summary>
    /// With tail sampling on: error and slow traces are forwarded up to this many per second (a budget of
    /// <see cref="TailSamplingOptions.DecisionWait"/>'s worth, shared by both), the rest only stored, so that an overloaded
    /// suite, whose every trace is slow, does not also flood the upstream. Unset: every error and slow trace is forwarded.
    /// </summary>
    public double? ErrorAndSlowTracesPerSecond { get; set; }

    /// <summary>
    /// With tail sampling on and logs forwarded: a log record of a trace, less severe than a warning, goes upstream only
    /// with its trace, once that is decided and forwarded; records without a trace and warnings or worse go at once. All are
    /// stored here. Off: every log record goes at once.
    /// </summary>
    public bool LogsFollowTraces { get; set; }
}

internal static class ForwardProtocols
{
    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";
}
