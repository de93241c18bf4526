using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Primitives;
using OpenTelemetry.Metrics;
using Shop.Conventions;

namespace Shop.ServiceDefaults.Metrics;

/// <summary>
/// The same two calls as OpenTelemetry.Exporter.Prometheus.AspNetCore, whose output promtool rejects today
/// (README: "The stack, and what Shop adds to it"); once a version passes, the package replaces this folder.
/// </summary>
public static class PrometheusExporterExtensions
{
    /// <summary>Adds a pull metric reader whose metrics <see cref="MapPrometheusScrapingEndpoint"/> serves.</summary>
    public static MeterProviderBuilder AddPrometheusExporter(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureServices(services => services.TryAddSingleton<PrometheusCollector>());
        return builder.AddReader(services => services.GetRequiredService<PrometheusCollector>().Reader);
    }

    /// <summary>Maps the Prometheus scrape endpoint (text 0.0.4, or OpenMetrics 1.0 with exemplars when asked for); it records no HTTP metrics.</summary>
    public static IEndpointConventionBuilder MapPrometheusScrapingEndpoint(this IEndpointRouteBuilder endpoints, string path = HealthPaths.Metrics)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        // Scrapes are not traffic: they would dilute the request-duration series the SLOs are computed from.
        return endpoints.MapGet(path, ScrapeAsync).DisableHttpMetrics().ExcludeFromDescription();
    }

    private static async Task ScrapeAsync(HttpContext context)
    {
        var format = PrometheusContentNegotiation.Select(context.Request.Headers.Accept);

        // No collector when OTEL_SDK_DISABLED=true: an empty exposition is still a valid one.
        var collector = context.RequestServices.GetService<PrometheusCollector>();
        var snapshot = collector is null ? PrometheusSnapshot.Empty : await collector.CollectAsync();
        if (snapshot is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var body = Encoding.UTF8.GetBytes(PrometheusSerializer.Write(snapshot, format));
        context.Response.ContentType = PrometheusSerializer.ContentType(format);
        context.Response.Headers.Vary = "Accept";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}

/// <summary>
/// Chooses the format from the Accept header the way Prometheus clients do: the acceptable media
/// range with the highest q (earliest on ties) that names OpenMetrics 1.0 or text 0.0.4 wins; anything
/// else, or no header, gets the 0.0.4 text format.
/// </summary>
internal static class PrometheusContentNegotiation
{
    public static PrometheusFormat Select(StringValues accept)
    {
        var ranges = new List<(string Type, string? Version, double Quality, int Order)>();
        foreach (var header in accept)
        {
            foreach (var range in (header ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = range.Split(';', StringSplitOptions.TrimEntries);
                string? version = null;
                var quality = 1.0;
                foreach (var parameter in parts.Skip(1))
                {
                    var equals = parameter.IndexOf('=', StringComparison.Ordinal);
                    if (equals < 0)
                    {
                        continue;
                    }

                    var name = parameter[..equals].Trim();
                    var value = parameter[(equals + 1)..].Trim().Trim('"');
                    if (name.Equals("q", StringComparison.OrdinalIgnoreCase))
                    {
                        quality = double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var q) ? q : 0;
                    }
                    else if (name.Equals("version", StringComparison.OrdinalIgnoreCase))
                    {
                        version = value;
                    }
                }

                ranges.Add((parts[0].ToLowerInvariant(), version, quality, ranges.Count));
            }
        }

        foreach (var (type, version, _, _) in ranges.Where(r => r.Quality > 0).OrderByDescending(r => r.Quality).ThenBy(r => r.Order))
        {
            if (type == "application/openmetrics-text" && version is null or "1.0.0")
            {
                return PrometheusFormat.OpenMetrics;
            }

            if ((type == "text/plain" && version is null or "0.0.4") || type is "text/*" or "*/*")
            {
                return PrometheusFormat.Text;
            }
        }

        return PrometheusFormat.Text;
    }
}
