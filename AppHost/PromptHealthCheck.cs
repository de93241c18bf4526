using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Shop.AppHost;

/// <summary>
/// Health checks that notice a starting resource within 0.1 s. Aspire probes a resource that is not healthy yet
/// after 1, 2, 3, 4, 5, 5 ... s (its ResourceHealthCheckService; not configurable in 13.6.5), so a service ready
/// just after a probe waits up to 5 s to be noticed, and every step of the WaitFor chain pays that again. Until a
/// resource's first healthy answer since it (re)started, one call of these checks repeats its probe every 0.1 s for
/// up to 10 s; after that, each call is a single probe, as with WithHttpHealthCheck.
/// </summary>
internal static class PromptHealthCheckExtensions
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Healthy when GET <paramref name="path"/> on the resource's http endpoint answers 200 (as with WithHttpHealthCheck), noticed promptly while it starts.</summary>
    public static IResourceBuilder<T> WithPromptHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path)
        where T : IResourceWithEndpoints
    {
        var endpoint = builder.Resource.GetEndpoint("http");
        return builder.WithPromptHealthCheck($"{builder.Resource.Name}_http_check", async cancellationToken =>
        {
            try
            {
                using var response = await Http.GetAsync(new Uri(new Uri(endpoint.Url), path), cancellationToken);
                return response.StatusCode == HttpStatusCode.OK
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"{path} answered {(int)response.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"{path}: {e.Message}");
            }
        });
    }

    /// <summary>Registers <paramref name="probe"/> as the resource's health check <paramref name="key"/>, repeated promptly while the resource starts.</summary>
    public static IResourceBuilder<T> WithPromptHealthCheck<T>(this IResourceBuilder<T> builder, string key, Func<CancellationToken, Task<HealthCheckResult>> probe)
        where T : IResource
    {
        var check = new PromptHealthCheck(probe);
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, check, failureStatus: null, tags: null));
        return builder
            .OnBeforeResourceStarted((_, _, _) =>
            {
                check.Starting();
                return Task.CompletedTask;
            })
            .WithHealthCheck(key);
    }
}

/// <summary>Repeats <paramref name="probe"/> every 0.1 s within one call until the resource's first healthy answer since it started.</summary>
internal sealed class PromptHealthCheck(Func<CancellationToken, Task<HealthCheckResult>> probe) : IHealthCheck
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    internal static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private volatile bool _healthySinceStart;

    /// <summary>The resource is about to (re)start: be prompt again until it answers healthy.</summary>
    public void Starting() => _healthySinceStart = false;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var result = await probe(cancellationToken);
            if (result.Status == HealthStatus.Healthy)
            {
                _healthySinceStart = true;
                return result;
            }

            if (_healthySinceStart || elapsed.Elapsed + Interval >= Window)
            {
                return result;
            }

            await Task.Delay(Interval, cancellationToken);
        }
    }
}
