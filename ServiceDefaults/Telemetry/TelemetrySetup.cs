using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Shop.Conventions;
using Shop.ServiceDefaults.Grpc;
using Shop.ServiceDefaults.Metrics;

namespace Shop.ServiceDefaults.Telemetry;

/// <summary>OpenTelemetry for a Shop service, configured by the standard OTEL_* environment variables only.</summary>
internal static class TelemetrySetup
{
    public static void AddShopTelemetry(this IHostApplicationBuilder builder, ServiceDefaultsOptions options)
    {
        if (!options.AcceptIncomingBaggage)
        {
            // ASP.NET Core hosting extracts incoming context with the propagator from DI; outgoing
            // calls use DistributedContextPropagator.Current, so the suite's own baggage still flows.
            builder.Services.AddSingleton<DistributedContextPropagator>(
                new IncomingBaggageDroppingPropagator(DistributedContextPropagator.Current));
            builder.Services.AddTransient<Microsoft.AspNetCore.Hosting.IStartupFilter, IncomingBaggageDroppingStartupFilter>();
        }

        var settings = TelemetrySettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.AddHostedService<TelemetryStartupReport>();
        if (settings.SdkDisabled)
        {
            // OTEL_SDK_DISABLED=true: no providers, no listeners, nothing to pay for.
            return;
        }

        var otel = builder.Services.AddOpenTelemetry();
        otel.ConfigureResource(resource => ConfigureResource(resource, builder.Environment))
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
                .AddView(DurationHistogramView)
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
    }

    /// <summary>
    /// service.name falls back to the short service name (Shop.Orders → orders); OTEL_SERVICE_NAME and
    /// OTEL_RESOURCE_ATTRIBUTES are merged last, so whatever the environment says wins.
    /// </summary>
    private static void ConfigureResource(ResourceBuilder resource, IHostEnvironment environment)
    {
        var entry = Assembly.GetEntryAssembly();
        var version = entry?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? entry?.GetName().Version?.ToString()
            ?? "unknown";
        resource.Clear()
            .AddService(DefaultServiceName(environment.ApplicationName), serviceVersion: version, autoGenerateServiceInstanceId: true)
            .AddAttributes([new(TelemetryAttributes.DeploymentEnvironmentName, environment.EnvironmentName.ToLowerInvariant())])
            .AddTelemetrySdk()
            .AddEnvironmentVariableDetector();
    }

    internal static string DefaultServiceName(string applicationName) =>
        (applicationName.StartsWith(TelemetrySources.SuitePrefix, StringComparison.Ordinal)
            ? applicationName[TelemetrySources.SuitePrefix.Length..]
            : applicationName).ToLowerInvariant();

    /// <summary>Every duration histogram in seconds gets the same buckets, which include the SLO thresholds.</summary>
    private static ExplicitBucketHistogramConfiguration? DurationHistogramView(Instrument instrument) =>
        instrument.Unit == "s" && instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>)
            ? new ExplicitBucketHistogramConfiguration { Boundaries = TelemetryMetrics.DurationBucketsSeconds }
            : null;
}
