using System.Net;
using Shop.Conventions;
using Shop.Testing;

namespace Shop.ServiceDefaults.Tests;

/// <summary>Each test starts the service with its own OTEL_* environment, as an orchestrator would.</summary>
public sealed class TelemetryConfigurationTests : IAsyncLifetime
{
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OtlpReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Spans_are_exported_over_otlp_grpc_when_the_protocol_says_grpc()
    {
        await using var service = await TestServiceHost.StartAsync(TestServiceHost.Exporting(_receiver, "grpc"));

        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/1");

        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();
        Assert.Equal("GET /items/{id}", span.Name);
        Assert.Contains(_receiver.ContentTypes, type => type.StartsWith("application/grpc", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resource_identifies_the_service_from_the_environment()
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment["OTEL_SERVICE_NAME"] = "checkout-test";
        environment["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=instance-7,deployment.environment.name=ci,team=shop";
        await using var service = await TestServiceHost.StartAsync(environment);

        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/1");

        var resource = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single().Resource;
        Assert.Equal("checkout-test", resource[TelemetryAttributes.ServiceName]);
        Assert.Equal("instance-7", resource[TelemetryAttributes.ServiceInstanceId]);
        Assert.Equal("ci", resource[TelemetryAttributes.DeploymentEnvironmentName]);
        Assert.Equal("shop", resource["team"]);
        Assert.False(string.IsNullOrEmpty(resource[TelemetryAttributes.ServiceVersion] as string));
    }

    [Fact]
    public async Task Resource_defaults_to_the_short_service_name_a_fresh_instance_id_and_the_host_environment()
    {
        await using var service = await TestServiceHost.StartAsync(TestServiceHost.Exporting(_receiver));

        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/1");

        var resource = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single().Resource;
        Assert.Equal("testservice", resource[TelemetryAttributes.ServiceName]);
        Assert.True(Guid.TryParse(resource[TelemetryAttributes.ServiceInstanceId] as string, out _));
        Assert.Equal("production", resource[TelemetryAttributes.DeploymentEnvironmentName]);
    }

    [Fact]
    public async Task Export_requests_carry_the_headers_from_OTEL_EXPORTER_OTLP_HEADERS()
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment["OTEL_EXPORTER_OTLP_HEADERS"] = "x-otlp-api-key=s3cret,x-team=shop";
        await using var service = await TestServiceHost.StartAsync(environment);

        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/1");
        await _receiver.WaitForSpans(s => s.TraceId == traceId);

        Assert.Contains(_receiver.RequestHeaders, headers =>
            headers.GetValueOrDefault("x-otlp-api-key") == "s3cret" && headers.GetValueOrDefault("x-team") == "shop");
    }

    [Fact]
    public async Task Spans_still_buffered_are_flushed_when_the_service_stops()
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment["OTEL_BSP_SCHEDULE_DELAY"] = "600000";
        await using var service = await TestServiceHost.StartAsync(environment);
        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/1");

        await service.StopAsync();

        await _receiver.WaitForSpans(s => s.TraceId == traceId, timeout: TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Public_edge_switch_drops_baggage_sent_from_outside()
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment["AcceptIncomingBaggage"] = "false";
        await using var service = await TestServiceHost.StartAsync(environment);

        var (response, traceId) = await service.SendTraced(HttpMethod.Get, "/items/3", r => r.Headers.Add("baggage", "tenant.id=injected,evil=1"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("injected", body, StringComparison.Ordinal);
        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();
        Assert.Null(span[TelemetryAttributes.TenantId]);

        // Trace context itself is still honoured: the span continues the caller's trace.
        Assert.Equal(traceId, span.TraceId);
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_exported_nothing_fails_and_the_log_says_so()
    {
        await using var service = await TestServiceHost.StartAsync(new Dictionary<string, string?>());

        var (response, _) = await service.SendTraced(HttpMethod.Get, "/items/1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(service.Output, line => line.Contains("OTEL_EXPORTER_OTLP_ENDPOINT is not set", StringComparison.Ordinal));
        Assert.DoesNotContain(service.Output, line => line.Contains(" fail ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sdk_disabled_exports_nothing_while_the_service_keeps_serving()
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment["OTEL_SDK_DISABLED"] = "true";
        await using var service = await TestServiceHost.StartAsync(environment);

        var (response, _) = await service.SendTraced(HttpMethod.Get, "/items/1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await service.StopAsync();

        // Stopping flushes everything a running SDK would hold; nothing may have arrived.
        Assert.Empty(_receiver.Spans);
        Assert.Empty(_receiver.Logs);
        Assert.Empty(_receiver.Metrics);
        Assert.Contains(service.Output, line => line.Contains("Telemetry disabled by OTEL_SDK_DISABLED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Always_off_sampler_from_the_environment_records_no_spans()
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment["OTEL_TRACES_SAMPLER"] = "always_off";
        await using var service = await TestServiceHost.StartAsync(environment);

        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/1");

        // Logs of the same request still arrive (they are not sampled); the span must not.
        await _receiver.WaitFor(r => r.Logs.FirstOrDefault(l => l.Body.Contains("Item 1 read", StringComparison.Ordinal)), what: "the request's log");
        await service.StopAsync();
        Assert.DoesNotContain(_receiver.Spans, s => s.TraceId == traceId);
    }

    [Theory]
    [InlineData("traceidratio", false)]
    [InlineData("parentbased_traceidratio", true)]
    public async Task Ratio_samplers_from_the_environment_take_their_argument_and_the_parent_based_one_follows_a_sampled_caller(string sampler, bool recorded)
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment["OTEL_TRACES_SAMPLER"] = sampler;
        environment["OTEL_TRACES_SAMPLER_ARG"] = "0";
        await using var service = await TestServiceHost.StartAsync(environment);

        // The caller sampled its span (flags 01); a ratio of 0 drops every root of its own.
        var (_, traceId) = await service.SendTraced(HttpMethod.Get, "/items/1");

        await _receiver.WaitFor(r => r.Logs.FirstOrDefault(l => l.Body.Contains("Item 1 read", StringComparison.Ordinal)), what: "the request's log");
        await service.StopAsync();
        Assert.Equal(recorded, _receiver.Spans.Any(s => s.TraceId == traceId));
    }
}
