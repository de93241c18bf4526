using System.Net;
using Google.Protobuf;
using Shop.Dashboard.Tests.Infrastructure;
using Shop.Hosting;

namespace Shop.Dashboard.Tests;

/// <summary>Loopback by default; an API key is required off loopback and then guards OTLP, the API and the UI.</summary>
public sealed class SecurityTests
{
    private const string Key = "test-key-5f2c";

    [Fact]
    public async Task The_dashboard_refuses_to_bind_a_non_loopback_address_without_an_api_key()
    {
        var (exitCode, output) = await DashboardProcess.RunExpectingExitAsync(new Dictionary<string, string>
        {
            ["Dashboard__QueryUrl"] = $"http://0.0.0.0:{FreePort.Next()}",
            ["Dashboard__OtlpHttpUrl"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Dashboard__OtlpGrpcUrl"] = $"http://127.0.0.1:{FreePort.Next()}",
        });

        Assert.Equal(1, exitCode);
        Assert.Contains("Dashboard cannot start: Dashboard:QueryUrl", output, StringComparison.Ordinal);
        Assert.Contains("Set Dashboard:ApiKey (environment variable Dashboard__ApiKey) or bind 127.0.0.1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_api_key_otlp_exports_need_the_x_otlp_api_key_header()
    {
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string> { ["ApiKey"] = Key });
        var request = OtlpRequests.Request("keyed", OtlpRequests.Span(OtlpRequests.TraceId(new Random(3)), OtlpRequests.SpanId(new Random(4)), "op", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1)));

        using var anonymous = await Post(dashboard, request, key: null);
        using var wrong = await Post(dashboard, request, key: "nope");
        using var right = await Post(dashboard, request, key: Key);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task With_an_api_key_the_api_needs_the_key_header_and_the_ui_a_login()
    {
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string> { ["ApiKey"] = Key });
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = new Uri(dashboard.QueryUrl) };

        using var anonymousApi = await noRedirects.GetAsync("/api/services");
        using var anonymousPage = await noRedirects.GetAsync("/search?service=x");
        using var loginPage = await noRedirects.GetAsync("/login");
        using var stylesheet = await noRedirects.GetAsync("/assets/app.css");
        using var health = await noRedirects.GetAsync("/health");
        using var keyed = new HttpRequestMessage(HttpMethod.Get, "/api/services") { Headers = { { "x-api-key", Key } } };
        using var keyedApi = await noRedirects.SendAsync(keyed);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymousApi.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, anonymousPage.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fsearch%3Fservice%3Dx", anonymousPage.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, loginPage.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stylesheet.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keyedApi.StatusCode);

        using var wrongLogin = await noRedirects.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = "nope", ["returnUrl"] = "/logs" }));
        Assert.StartsWith("/login?failed=1", wrongLogin.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.False(wrongLogin.Headers.Contains("Set-Cookie"));

        using var offsite = await noRedirects.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = Key, ["returnUrl"] = "//evil.example/" }));
        Assert.Equal("/", offsite.Headers.Location?.OriginalString);
        var cookie = Assert.Single(offsite.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Key, cookie, StringComparison.Ordinal);

        using var signedInApi = await noRedirects.GetAsync("/api/services");
        using var signedInPage = await noRedirects.GetAsync("/logs");
        Assert.Equal(HttpStatusCode.OK, signedInApi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signedInPage.StatusCode);
    }

    private static async Task<HttpResponseMessage> Post(DashboardProcess dashboard, IMessage request, string? key)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/v1/traces") { Content = new ByteArrayContent(request.ToByteArray()) };
        message.Content.Headers.ContentType = new("application/x-protobuf");
        if (key is not null)
        {
            message.Headers.Add("x-otlp-api-key", key);
        }

        return await dashboard.Otlp.SendAsync(message);
    }
}
