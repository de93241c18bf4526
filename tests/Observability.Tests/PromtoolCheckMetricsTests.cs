using Shop.Conventions;
using Shop.Testing;

namespace Shop.Observability.Tests;

/// <summary>`promtool check metrics` (Prometheus' own linter) on what a ServiceDefaults service really serves.</summary>
public sealed class PromtoolCheckMetricsTests
{
    [Fact]
    public async Task Testservice_metrics_after_mixed_traffic_pass_promtool_check_metrics_without_a_remark()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");
        await using var service = await TestServiceTraffic.StartAsync();
        await TestServiceTraffic.DriveMixedTrafficAsync(service);

        var exposition = await service.Http.GetStringAsync(HealthPaths.Metrics);
        var result = await ExternalTool.RunAsync(promtool, ["check", "metrics"], standardInput: exposition);

        Assert.True(result.ExitCode == 0 && result.StandardOutput.Length == 0 && result.StandardError.Length == 0, $"promtool check metrics: {result}");
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", exposition, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_client_request_duration_seconds histogram", exposition, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_timer_count_current gauge", exposition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_empty_exposition_of_a_service_with_the_sdk_disabled_passes_promtool_check_metrics()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");
        await using var service = await TestServiceTraffic.StartAsync(new() { ["OTEL_SDK_DISABLED"] = "true" });

        var exposition = await service.Http.GetStringAsync(HealthPaths.Metrics);
        var result = await ExternalTool.RunAsync(promtool, ["check", "metrics"], standardInput: exposition);

        Assert.Equal("", exposition);
        Assert.True(result.ExitCode == 0 && result.StandardError.Length == 0, $"promtool check metrics: {result}");
    }
}
