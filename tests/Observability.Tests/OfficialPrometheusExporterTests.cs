using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Shop.Conventions;
using Shop.Testing;

namespace Shop.Observability.Tests;

/// <summary>
/// Why ServiceDefaults/Metrics is not OpenTelemetry.Exporter.Prometheus.AspNetCore (README, "The stack, and
/// what Shop adds to it"): the package writes the runtime's gauges under their semconv names, and promtool
/// rejects a gauge ending in _count. When this test fails, the package passes: re-evaluate the swap.
/// </summary>
public sealed class OfficialPrometheusExporterTests
{
    [Fact]
    public async Task Official_exporter_output_still_fails_promtool_check_metrics_on_the_runtime_count_gauges()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddRuntimeInstrumentation().AddPrometheusExporter());
        await using var app = builder.Build();
        app.MapPrometheusScrapingEndpoint();
        await app.StartAsync();
        // Urls holds the bound address once started, so port 0 becomes the port Kestrel chose.
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var exposition = await http.GetStringAsync(HealthPaths.Metrics);
        var result = await ExternalTool.RunAsync(promtool, ["check", "metrics"], standardInput: exposition);

        Assert.Contains("# TYPE dotnet_timer_count gauge", exposition, StringComparison.Ordinal);
        // Exit code 3 is promtool's "lint problems found"; anything else would be a different finding.
        Assert.True(result.ExitCode == 3, $"promtool check metrics: {result}");
        var remarks = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("dotnet_timer_count non-histogram and non-summary metrics should not have \"_count\" suffix", remarks);
        Assert.All(remarks, remark => Assert.EndsWith("non-histogram and non-summary metrics should not have \"_count\" suffix", remark, StringComparison.Ordinal));
    }
}
