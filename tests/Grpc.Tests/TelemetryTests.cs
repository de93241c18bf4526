using System.Diagnostics;
using System.Diagnostics.Metrics;
using Shop.Conventions;
using Shop.Grpc.Tests.Infrastructure;
using Shop.Grpc.Tests.Interop;

namespace Shop.Grpc.Tests;

/// <summary>RPC spans and metrics, seen through an ActivityListener and a MeterListener as an OpenTelemetry SDK would see them.</summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    private const string Service = "shop.interop.v1.InteropService";

    private readonly ActivityRecorder _activities = new();
    private readonly MetricRecorder _metrics = new();
    private GrpcTestHost? _server;
    private TestClient? _client;

    public async Task InitializeAsync()
    {
        _server = await GrpcTestHost.StartAsync();
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _activities.Dispose();
        _metrics.Dispose();
    }

    [Fact]
    public async Task Client_span_is_named_after_the_method_and_carries_the_rpc_attributes()
    {
        using var root = StartRoot();

        await Client.EchoAsync("x");

        var span = await ClientSpanAsync(root);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal($"{Service}/Echo", span.DisplayName);
        AssertRpcTags(span, "Echo", StatusCode.OK);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(root.SpanId, span.ParentSpanId);
    }

    [Fact]
    public async Task Server_span_is_the_ASP_NET_Core_activity_enriched_and_child_of_the_client_span()
    {
        using var root = StartRoot();
        root.AddBaggage(TelemetryAttributes.TenantId, "t-1");

        await Client.EchoAsync("x");

        var client = await ClientSpanAsync(root);
        var server = await ServerSpanAsync(root);
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal($"{Service}/Echo", server.DisplayName);
        AssertRpcTags(server, "Echo", StatusCode.OK);
        Assert.Equal(client.SpanId, server.ParentSpanId);
        // With ActivityHeadersPropagator = null, SocketsHttpHandler starts no span of its own: one span per side.
        Assert.DoesNotContain(_activities.InTrace(root.TraceId), a => a.Source.Name == TelemetrySources.HttpClient);
        Assert.Equal("t-1", server.GetBaggageItem(TelemetryAttributes.TenantId));
        Assert.Single(_activities.InTrace(root.TraceId), a => a.Kind == ActivityKind.Server);
    }

    [Theory]
    [InlineData(StatusCode.NotFound, ActivityStatusCode.Unset)]
    [InlineData(StatusCode.InvalidArgument, ActivityStatusCode.Unset)]
    [InlineData(StatusCode.Internal, ActivityStatusCode.Error)]
    [InlineData(StatusCode.Unavailable, ActivityStatusCode.Error)]
    public async Task Failed_call_marks_the_client_span_Error_and_the_server_span_only_for_server_faults(
        StatusCode code, ActivityStatusCode serverStatus)
    {
        using var root = StartRoot();

        await Assert.ThrowsAsync<RpcException>(() => Client.FailAsync(code, "it failed"));

        var client = await ClientSpanAsync(root);
        Assert.Equal(ActivityStatusCode.Error, client.Status);
        Assert.Equal("it failed", client.StatusDescription);
        AssertRpcTags(client, "Fail", code);
        var server = await ServerSpanAsync(root);
        Assert.Equal(serverStatus, server.Status);
        AssertRpcTags(server, "Fail", code);
    }

    [Fact]
    public async Task Handler_exception_is_recorded_on_the_server_span()
    {
        await using var server = await GrpcTestHost.StartAsync(service => service.Unary<EchoRequest, EchoResponse>(
            "Echo", (_, _) => throw new InvalidOperationException("handler bug")));
        using var client = server.CreateClient();
        using var root = StartRoot();

        await Assert.ThrowsAsync<RpcException>(() => client.Client.EchoAsync("x"));

        var span = await ServerSpanAsync(root);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        var exception = Assert.Single(span.Events, e => e.Name == TelemetryAttributes.ExceptionEventName);
        Assert.Equal(typeof(InvalidOperationException).FullName, exception.Tags.Single(t => t.Key == TelemetryAttributes.ExceptionType).Value);
    }

    [Fact]
    public async Task Server_span_of_an_unknown_method_uses_OTHER_and_is_named_after_the_system()
    {
        using var root = StartRoot();

        await Assert.ThrowsAsync<RpcException>(() =>
            Client.Invoker.UnaryAsync(InteropClient.UnimplementedMethod, new EchoRequest()));

        // The path is caller input: it names neither the span nor a tag.
        var server = await ServerSpanAsync(root);
        Assert.Equal("grpc", server.DisplayName);
        Assert.Equal("_OTHER", server.GetTagItem(TelemetryAttributes.RpcMethod));
        Assert.Null(server.GetTagItem(TelemetryAttributes.RpcService));
        Assert.Equal((int)StatusCode.Unimplemented, server.GetTagItem(TelemetryAttributes.RpcGrpcStatusCode));
        Assert.Equal(ActivityStatusCode.Error, server.Status);
    }

    [Theory]
    [InlineData(TelemetryMetrics.RpcClientCallDuration)]
    [InlineData(TelemetryMetrics.RpcServerCallDuration)]
    public async Task Call_duration_is_recorded_in_seconds_with_the_suite_buckets_and_rpc_attributes(string instrument)
    {
        await Assert.ThrowsAsync<RpcException>(() => Client.FailAsync(StatusCode.OutOfRange, "x"));

        var (_, seconds, tags) = await _metrics.WaitForAsync(instrument, tags =>
            Equals(tags[TelemetryAttributes.RpcGrpcStatusCode], (int)StatusCode.OutOfRange));
        var histogram = Assert.IsType<Histogram<double>>(_metrics.Instruments[instrument]);
        Assert.Equal("s", histogram.Unit);
        Assert.Equal(TelemetryMetrics.DurationBucketsSeconds, histogram.Advice?.HistogramBucketBoundaries);
        Assert.InRange(seconds, 0, 60);
        Assert.Equal("grpc", tags[TelemetryAttributes.RpcSystem]);
        Assert.Equal(Service, tags[TelemetryAttributes.RpcService]);
        Assert.Equal("Fail", tags[TelemetryAttributes.RpcMethod]);
    }

    private InteropClient Client => _client!.Client;

    private GrpcTestHost Server => _server!;

    private static Activity StartRoot() => ActivityRecorder.TestSource.StartActivity("test")
        ?? throw new InvalidOperationException("The recorder listens to the test source.");

    private Task<Activity> ClientSpanAsync(Activity root) =>
        _activities.WaitForAsync(root.TraceId, a => a.Source.Name == TelemetrySources.Grpc);

    private Task<Activity> ServerSpanAsync(Activity root) =>
        _activities.WaitForAsync(root.TraceId, a => a.Source.Name == TelemetrySources.AspNetCore);

    private void AssertRpcTags(Activity span, string method, StatusCode code)
    {
        Assert.Equal("grpc", span.GetTagItem(TelemetryAttributes.RpcSystem));
        Assert.Equal(Service, span.GetTagItem(TelemetryAttributes.RpcService));
        Assert.Equal(method, span.GetTagItem(TelemetryAttributes.RpcMethod));
        Assert.Equal((int)code, span.GetTagItem(TelemetryAttributes.RpcGrpcStatusCode));
        Assert.Equal(Server.Address.Host, span.GetTagItem(TelemetryAttributes.ServerAddress));
        Assert.Equal(Server.Address.Port, span.GetTagItem(TelemetryAttributes.ServerPort));
    }
}
