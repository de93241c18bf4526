using System.Diagnostics;
using Shop.Testing;

namespace Shop.ServiceDefaults.Tests;

/// <summary>Starts tests/TestService as a process exporting to an in-test OTLP receiver, and sends traced requests.</summary>
internal static class TestServiceHost
{
    public static string Dll => BuiltApp.Dll("tests/TestService", "Shop.TestService");

    /// <summary>The variables an orchestrator sets, with short batch delays so tests see data quickly.</summary>
    public static Dictionary<string, string?> Exporting(OtlpReceiver receiver, string protocol = "http/protobuf") =>
        receiver.ExportEnvironment(protocol);

    public static Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string?> environment) =>
        ServiceProcess.StartAsync(Dll, environment);

    /// <summary>Sends a request as the child of a fresh sampled remote parent; returns the response and the trace id.</summary>
    public static async Task<(HttpResponseMessage Response, string TraceId)> SendTraced(
        this ServiceProcess service, HttpMethod method, string path, Action<HttpRequestMessage>? configure = null)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        configure?.Invoke(request);
        return (await service.Http.SendAsync(request), traceId);
    }
}
