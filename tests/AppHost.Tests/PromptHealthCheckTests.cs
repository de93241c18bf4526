using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Shop.AppHost.Tests;

/// <summary>The AppHost's prompt health checks: repeated within one call while a resource starts, single probes once it is up.</summary>
public sealed class PromptHealthCheckTests
{
    [Fact]
    public async Task Starting_resource_is_reported_healthy_by_the_same_call_once_its_probe_passes()
    {
        var probes = 0;
        var check = new PromptHealthCheck(_ => Task.FromResult(++probes < 3 ? HealthCheckResult.Unhealthy("starting") : HealthCheckResult.Healthy()));

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(3, probes);
    }

    [Fact]
    public async Task Once_healthy_a_failing_probe_is_reported_at_once_until_the_resource_starts_again()
    {
        var answers = new Queue<HealthStatus>([HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Unhealthy, HealthStatus.Healthy]);
        var check = new PromptHealthCheck(_ => Task.FromResult(new HealthCheckResult(answers.Dequeue())));
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        // Up once: one probe per call, a failure is reported as it is.
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Equal(2, answers.Count);

        // Started again: prompt again, the same call probes until it is back.
        check.Starting();
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Empty(answers);
    }
}
