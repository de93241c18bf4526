using Microsoft.Extensions.Options;
using Shop.Dashboard.Alerts;
using Shop.Conventions;
using Shop.Dashboard.Forwarding;
using Shop.Dashboard.Ingest;
using Shop.Dashboard.Query;
using Shop.Dashboard.Sampling;
using Shop.Dashboard.Store;
using Shop.Dashboard.Ui;

namespace Shop.Dashboard.Hosting;

/// <summary>The dashboard's registrations and endpoint mappings.</summary>
internal static partial class DashboardSetup
{
    /// <summary>Reads the Dashboard section, configures the listeners and registers every part; false with the reason when the configuration is unusable.</summary>
    public static bool AddDashboard(this WebApplicationBuilder builder, out string? problem)
    {
        var section = builder.Configuration.GetSection(DashboardOptions.Section);
        var options = section.Get<DashboardOptions>() ?? new DashboardOptions();
        Listeners listeners;
        try
        {
            Validate(options);
            listeners = Listeners.From(options);
            OtlpForwarder.ParseSignals(options.Forward.Signals);
            OtlpHeaders.Parse(options.Forward.Headers);
        }
        catch (InvalidOperationException e)
        {
            problem = e.Message;
            return false;
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            listeners.Configure(kestrel);
            kestrel.AddServerHeader = false;
            // The receivers enforce MaxRequestBodyBytes (413). Kestrel's own limit sits higher so a moderately
            // oversized body is drained and the client reads the 413; a far larger one gets the connection closed.
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes * 4L;
        });

        // The dashboard keeps its own telemetry out of itself: console logs only, and quiet per-request logging.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);

        var services = builder.Services;
        services.Configure<DashboardOptions>(section);
        services.AddSingleton(listeners);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new StringPool());
        services.AddSingleton<OtlpConverter>();
        services.AddSingleton(new SpanStore(options.MaxSpans));
        services.AddSingleton(new LogStore(options.MaxLogRecords));
        services.AddSingleton(new MetricStore(options.MaxMetricSeries, options.MetricRetention));
        services.AddSingleton<IngestCounters>();
        services.AddSingleton<IngestGate>();
        services.AddSingleton<ApiKeyCheck>();
        services.AddHttpClient(nameof(HttpForwardTransport));
        services.AddOtlpGrpc(options);
        if (options.Forward.Protocol == ForwardProtocols.Grpc && Uri.TryCreate(options.Forward.Endpoint, UriKind.Absolute, out var upstream))
        {
            // One channel for the process's life (it pools the HTTP/2 connection); the container disposes it at shutdown.
            services.AddSingleton(_ => GrpcForwardTransport.CreateChannel(upstream));
            services.AddSingleton<GrpcForwardTransport>();
        }

        services.AddSingleton<ForwardTransportFactory>();
        services.AddSingleton<OtlpForwarder>();
        services.AddHostedService(sp => sp.GetRequiredService<OtlpForwarder>());
        services.AddSingleton<SpanSink>();
        services.AddSingleton<LogSink>();
        if (options.TailSampling.Enabled)
        {
            services.AddSingleton<TailSampler>();
        }

        services.AddSingleton<OtlpIngest>();
        services.AddHostedService<IngestDrain>();
        services.AddSingleton(new AlertStore(options.Alerts.MaxAlerts));
        services.AddSingleton<AlertAnalyzer>();
        services.AddSingleton<AlertAnalysisQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertAnalysisQueue>());
        services.AddHealthChecks();
        problem = null;
        return true;
    }

    /// <summary>Routing, the per-listener and API-key checks, then health, OTLP/HTTP, the query APIs and the UI.</summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseRouting();
        app.UseDashboardSecurity();
        app.UseGrpcGzipRequests();
        app.MapHealthChecks(HealthPaths.Ready);
        app.MapHealthChecks(HealthPaths.Alive);
        app.MapOtlpHttp();
        app.MapOtlpGrpc();
        app.MapJaegerApi();
        app.MapDashboardApi();
        app.MapAlertsApi();
        app.MapUi();

        var listeners = app.Services.GetRequiredService<Listeners>();
        var options = app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        var (query, otlpHttp, otlpGrpc) = (listeners.UrlOf(ListenerRole.Query), listeners.UrlOf(ListenerRole.OtlpHttp), listeners.UrlOf(ListenerRole.OtlpGrpc));
        var sampling = options.TailSampling.Enabled
            ? $"on (keep errors, traces >= {options.TailSampling.SlowThreshold.TotalMilliseconds} ms and {options.TailSampling.KeepRatio:P0} of the rest above {options.TailSampling.KeepAllPerSecond} traces/s"
              + (app.Services.GetRequiredService<OtlpForwarder>().Forwards(TelemetrySignal.Traces) ? ForwardedTraces(options.Forward) + ")" : ")")
            : "off";
        var apiKey = string.IsNullOrEmpty(options.ApiKey) ? "off" : "on";
        app.Lifetime.ApplicationStarted.Register(() => LogStarted(app.Logger, query, otlpHttp, otlpGrpc, options.MaxSpans, sampling, apiKey));
        return app;
    }

    /// <summary>What the start-up line says of forwarding kept traces: every one, or within which budgets.</summary>
    private static string ForwardedTraces(ForwardOptions forward) => (forward.ErrorAndSlowTracesPerSecond, forward.NormalTracesPerSecond) switch
    {
        (null, null) => "",
        (null, { } normal) => $"; forward errors, slow traces and at most {normal} others/s",
        ({ } errorAndSlow, null) => $"; forward at most {errorAndSlow} errors and slow traces/s and every other",
        ({ } errorAndSlow, { } normal) => $"; forward at most {errorAndSlow} errors and slow traces/s and {normal} others/s",
    };

    private static void Validate(DashboardOptions options)
    {
        static void Require(bool condition, string message)
        {
            if (!condition)
            {
                throw new InvalidOperationException(message);
            }
        }

        Require(options.MaxSpans >= 1, "Dashboard:MaxSpans must be at least 1.");
        Require(options.MaxLogRecords >= 1, "Dashboard:MaxLogRecords must be at least 1.");
        Require(options.MaxMetricSeries >= 1, "Dashboard:MaxMetricSeries must be at least 1.");
        Require(options.MaxRequestBodyBytes >= 1024, "Dashboard:MaxRequestBodyBytes must be at least 1024.");
        Require(options.MaxConcurrentIngest >= 1, "Dashboard:MaxConcurrentIngest must be at least 1.");
        Require(options.StopDrain >= TimeSpan.Zero, "Dashboard:StopDrain must not be negative.");
        Require(options.TailSampling.KeepRatio is >= 0 and <= 1, "Dashboard:TailSampling:KeepRatio must be between 0 and 1.");
        Require(options.TailSampling.KeepAllPerSecond >= 0, "Dashboard:TailSampling:KeepAllPerSecond must be 0 or more.");
        Require(options.TailSampling.MaxPendingSpans >= 1, "Dashboard:TailSampling:MaxPendingSpans must be at least 1.");
        Require(options.Alerts.MaxAlerts >= 1, "Dashboard:Alerts:MaxAlerts must be at least 1.");
        Require(options.Alerts.MaxTraces >= 1, "Dashboard:Alerts:MaxTraces must be at least 1.");
        Require(options.Alerts.MaxWebhookBytes >= 1024, "Dashboard:Alerts:MaxWebhookBytes must be at least 1024.");
        Require(options.Alerts.Lookback >= TimeSpan.Zero, "Dashboard:Alerts:Lookback must not be negative.");
        Require(options.Forward.MaxQueuedItems >= 1, "Dashboard:Forward:MaxQueuedItems must be at least 1.");
        Require(options.Forward.NormalTracesPerSecond is null or >= 0, "Dashboard:Forward:NormalTracesPerSecond must be 0 or more.");
        Require(options.Forward.ErrorAndSlowTracesPerSecond is null or >= 0, "Dashboard:Forward:ErrorAndSlowTracesPerSecond must be 0 or more.");
        foreach (var (slo, i) in options.Slos.Select((slo, i) => (slo, i)))
        {
            var at = $"Dashboard:Slos:{i} ({slo.Name})";
            Require(slo.Name.Length > 0 && slo.Service.Length > 0, $"{at} needs a Name and a Service.");
            Require(slo.Objective is > 0 and < 100, $"{at}: Objective must be a percentage between 0 and 100, not {slo.Objective}.");
            Require(slo.Type is "http-availability" or "grpc-availability" or "http-latency" or "grpc-latency",
                $"{at}: Type must be http-availability, grpc-availability, http-latency or grpc-latency, not '{slo.Type}'.");
            Require(!slo.Type.EndsWith("latency", StringComparison.Ordinal) || slo.Threshold > 0, $"{at}: a latency SLO needs a Threshold in seconds.");
        }

        Require(options.Forward.Protocol is ForwardProtocols.HttpProtobuf or ForwardProtocols.Grpc,
            $"Dashboard:Forward:Protocol must be {ForwardProtocols.HttpProtobuf} or {ForwardProtocols.Grpc}.");
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Dashboard UI and API at {QueryUrl}; OTLP/HTTP at {OtlpHttpUrl}; OTLP/gRPC at {OtlpGrpcUrl}; keeping {MaxSpans} spans; tail sampling {Sampling}; API key {ApiKey}")]
    private static partial void LogStarted(ILogger logger, string queryUrl, string otlpHttpUrl, string otlpGrpcUrl, int maxSpans, string sampling, string apiKey);
}
