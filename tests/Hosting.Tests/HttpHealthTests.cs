using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Shop.Hosting.Tests;

public sealed class HttpHealthTests
{
    [Fact]
    public async Task Wait_returns_once_the_url_answers_2xx()
    {
        var requests = 0;
        await using var app = await StartAppAsync(() =>
            Interlocked.Increment(ref requests) < 3 ? Results.StatusCode(503) : Results.Ok());

        await HttpHealth.WaitAsync(new Uri($"{app.Urls.Single()}/health"), TimeSpan.FromSeconds(30));

        Assert.Equal(3, requests);
    }

    [Fact]
    public async Task Wait_gives_up_after_the_timeout_with_the_last_failure()
    {
        await using var app = await StartAppAsync(() => Results.StatusCode(503));
        var url = new Uri($"{app.Urls.Single()}/health");

        var error = await Assert.ThrowsAsync<HostingException>(() => HttpHealth.WaitAsync(url, TimeSpan.FromMilliseconds(500)));

        Assert.Contains($"{url} did not answer 2xx within 0.5 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("503 Service Unavailable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_fails_at_once_with_the_output_of_a_process_that_exited()
    {
        await using var service = ChildProcess.Start(new("sh", ["-c", "echo cannot bind >&2; exit 1"]));
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}/health");
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<HostingException>(() => HttpHealth.WaitAsync(url, TimeSpan.FromSeconds(30), service));

        Assert.Contains("exited with code 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot bind", error.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
    }

    private static async Task<WebApplication> StartAppAsync(Func<IResult> health)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        var app = builder.Build();
        app.MapGet("/health", health);
        await app.StartAsync();
        return app;
    }
}
