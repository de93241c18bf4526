using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Shop.Conventions;
using Shop.ServiceDefaults.Grpc;
using Shop.ServiceDefaults.Http;
using Shop.ServiceDefaults.Logging;
using Shop.ServiceDefaults.Metrics;
using Shop.ServiceDefaults.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The Aspire ServiceDefaults template (OpenTelemetry, health, service discovery) with Shop's additions, each a
/// small type named by what it does: BaggageTagsProcessor, IncomingBaggageDroppingPropagator, SloHistogramBuckets,
/// DroppedInstruments, the correlated console formatters, the Prometheus exporter, ProblemDetails with the trace id,
/// traceresponse.
/// </summary>
public static class ServiceDefaultsExtensions
{
    private const string LiveTag = "live";

    /// <summary>Adds OpenTelemetry (traces, metrics, logs over OTLP), correlated console logs, ProblemDetails, health checks and service discovery for every HttpClient.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, Action<ServiceDefaultsOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        var options = new ServiceDefaultsOptions();
        configure?.Invoke(options);

        builder.ConfigureOpenTelemetry(options);
        builder.AddCorrelatedConsoleLogging();
        builder.AddDefaultHealthChecks();
        builder.Services.AddShopProblemDetails();

        // Every HttpClient resolves service names (http://orders, http://_grpc.users), gRPC clients included. Resilience
        // is not a default: gRPC clients are HttpClients too, and an HTTP handler would retry their non-idempotent calls
        // (see AddServiceGrpcClient); an HTTP client to a service adds AddStandardResilienceHandler itself, tuned.
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        return builder;
    }

    /// <summary>OpenTelemetry traces, metrics and logs from the instrumentation packages, configured by the standard OTEL_* variables only.</summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder, ServiceDefaultsOptions? options = null)
        where TBuilder : IHostApplicationBuilder
    {
        if (options is { AcceptIncomingBaggage: false })
        {
            builder.DropIncomingBaggage();
        }

        var settings = TelemetrySettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddHostedService<TelemetryStartupReport>();
        if (settings.SdkDisabled)
        {
            // OTEL_SDK_DISABLED=true: no providers, no instrumentation listening, nothing to pay for.
            return builder;
        }

        var otel = builder.Services.AddOpenTelemetry();
        otel.ConfigureResource(resource => ServiceResource.Configure(resource, builder.Environment))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(aspNetCore =>
                {
                    // Probes and scrapes are not traffic: their spans, and any child (a database check), are not recorded.
                    aspNetCore.Filter = context => !HealthPaths.IsUntraced(context.Request.Path.Value);
                    aspNetCore.EnrichWithHttpResponse = GrpcServerTelemetry.KeepRpcSpanName;
                })
                .AddHttpClientInstrumentation()
                // One client span per gRPC call, not a second HTTP span under it.
                .AddGrpcClientInstrumentation(grpc => grpc.SuppressDownstreamInstrumentation = true)
                // Every EF Core command is an Npgsql command: Npgsql's spans are the database spans (one per statement).
                .AddNpgsql()
                .AddSource(TelemetrySources.SuiteWildcard)
                // No SetSampler: the SDK takes OTEL_TRACES_SAMPLER(_ARG), parentbased_always_on when unset.
                .AddProcessor(new BaggageTagsProcessor()))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(TelemetrySources.EntityFrameworkCoreMeter, TelemetrySources.SuiteWildcard)
                .AddRuntimeInstrumentation()
                .AddView(settings.Dropped.View)
                .SetExemplarFilter(ExemplarFilterType.TraceBased)
                .AddPrometheusExporter())
            .WithLogging(configureBuilder: null, configureOptions: logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            });

        if (settings.ExportEndpoint is not null)
        {
            // Endpoint, protocol (grpc, http/protobuf), headers and intervals come from the standard variables.
            otel.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>A liveness check of the process itself; services add their readiness checks (their database) to the same builder.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>Maps /health (readiness), /alive (liveness) and /metrics (Prometheus) and adds error handling; call it right after Build().</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseShopErrorHandling();
        app.UseTraceResponseHeader();
        app.UseUtf8JsonOnly();

        // Readiness runs every check (a service adds its database); liveness only the process itself.
        // Probes are not traffic: kept out of the request-duration series the SLOs are computed from.
        app.MapHealthChecks(HealthPaths.Ready).DisableHttpMetrics();
        app.MapHealthChecks(HealthPaths.Alive, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) }).DisableHttpMetrics();
        app.MapPrometheusScrapingEndpoint();
        return app;
    }
}
