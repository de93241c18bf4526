using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Shop.Conventions;
using Shop.ServiceDefaults.Http;
using Shop.ServiceDefaults.Logging;
using Shop.ServiceDefaults.Metrics;
using Shop.ServiceDefaults.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>What every Shop service gets from two calls: telemetry, logging, error handling, health and service discovery.</summary>
public static class ServiceDefaultsExtensions
{
    private const string LiveTag = "live";

    /// <summary>Adds OpenTelemetry (traces, metrics, logs over OTLP), correlated console logs, ProblemDetails, health checks and service discovery for every HttpClient.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, Action<ServiceDefaultsOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        var options = new ServiceDefaultsOptions();
        configure?.Invoke(options);

        builder.AddShopTelemetry(options);
        builder.AddCorrelatedConsoleLogging();
        builder.Services.AddShopProblemDetails();
        builder.Services.AddServiceDiscovery();

        // Every HttpClient resolves service names (http://orders, http://_grpc.users), gRPC clients included. Resilience
        // is not a default: gRPC clients are HttpClients too, and an HTTP handler would retry their non-idempotent calls
        // (see AddServiceGrpcClient); an HTTP client to a service adds AddStandardResilienceHandler itself, tuned.
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>Maps /health (readiness), /alive (liveness) and /metrics (Prometheus) and adds error handling; call it right after Build().</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseShopErrorHandling();
        app.UseTraceResponseHeader();

        // Readiness runs every check (a service adds its database); liveness only the process itself.
        // Probes are not traffic: kept out of the request-duration series the SLOs are computed from.
        app.MapHealthChecks(HealthPaths.Ready).DisableHttpMetrics();
        app.MapHealthChecks(HealthPaths.Alive, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) }).DisableHttpMetrics();
        app.MapPrometheusScrapingEndpoint();
        return app;
    }
}
