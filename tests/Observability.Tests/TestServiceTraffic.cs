using System.Diagnostics;
using Shop.Testing;

namespace Shop.Observability.Tests;

/// <summary>tests/TestService started as a process (no OTLP endpoint), and the traffic the tests send it.</summary>
internal static class TestServiceTraffic
{
    public const string ServiceName = "testservice";

    public static Task<ServiceProcess> StartAsync(Dictionary<string, string?>? environment = null) =>
        ServiceProcess.StartAsync(BuiltApp.Dll("tests/TestService", "Shop.TestService"), environment ?? []);

    /// <summary>Successes, a client error, a server error and an outgoing HttpClient call, so every instrument has data.</summary>
    public static async Task DriveMixedTrafficAsync(ServiceProcess service)
    {
        foreach (var path in new[] { "/items/1", "/items/2", "/relay/3", "/status/404", "/status/503", "/boom" })
        {
            using var response = await service.Http.GetAsync(path);
        }
    }

    /// <summary>A request that is the child of a fresh sampled remote parent; returns its trace id.</summary>
    public static async Task<string> SendTracedAsync(ServiceProcess service, string path)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var response = await service.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return traceId;
    }
}
