using Shop.Testing;

namespace Shop.Dashboard.Tests.Infrastructure;

/// <summary>
/// tests/TestService run as a process whose real OpenTelemetry .NET OTLP exporter sends to a dashboard,
/// with short batch delays so the tests see data quickly.
/// </summary>
public static class TracedService
{
    public static string Dll => BuiltApp.Dll("tests/TestService", "Shop.TestService");

    /// <summary>Starts TestService as <paramref name="serviceName"/> exporting over <paramref name="protocol"/> (grpc or http/protobuf).</summary>
    public static Task<ServiceProcess> StartAsync(DashboardProcess dashboard, string serviceName, string protocol = "http/protobuf", bool gzip = false) =>
        ServiceProcess.StartAsync(Dll, new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = serviceName,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = protocol == "grpc" ? dashboard.OtlpGrpcUrl : dashboard.OtlpHttpUrl,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
            ["OTEL_EXPORTER_OTLP_COMPRESSION"] = gzip ? "gzip" : null,
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });

    /// <summary>GETs <paramref name="path"/>; returns the trace id from the W3C <c>traceresponse</c> header the service answers with.</summary>
    public static async Task<string> GetTracedAsync(this ServiceProcess service, string path, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null)
        {
            // TestService's /relay calls back whatever Host the request named: another service, for a cross-service call.
            request.Headers.Host = host;
        }

        using var response = await service.Http.SendAsync(request);
        var header = response.Headers.TryGetValues("traceresponse", out var values) ? values.Single() : null;
        Assert.True(header is not null, $"GET {path} answered {(int)response.StatusCode} without a traceresponse header.");
        return header.Split('-')[1];
    }
}
