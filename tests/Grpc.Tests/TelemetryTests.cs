using System.Diagnostics;
using System.Diagnostics.Metrics;
using Shop.Conventions;
using Shop.Grpc.Tests.Infrastructure;
using Shop.Grpc.Tests.Interop;
using InteropService = Shop.Grpc.Tests.Infrastructure.InteropService;

namespace Shop.Grpc.Tests;

/// <summary>
/// RPC spans and metrics. Spans are what each side's OpenTelemetry tracer provider (set up by AddServiceDefaults)
/// ends: the client's come from OpenTelemetry.Instrumentation.GrpcNetClient, the server's are the ASP.NET Core
/// activity that GrpcServerTelemetry enriches. Metrics are seen through a MeterListener.
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    private const string Service = "shop.interop.v1.InteropService";

    /// <summary>The source OpenTelemetry.Instrumentation.GrpcNetClient gives the Grpc.Net.Client activity.</summary>
    private const string ClientSource = "OpenTelemetry.Instrumentation.GrpcNetClient";

    private readonly SpanRecorder _clientSpans = new();
    private readonly SpanRecorder _serverSpans = new();
    private readonly MetricRecorder _metrics = new();
    private GrpcTestHost? _server;
    private GrpcTestClient? _client;

    public Task InitializeAsync() => StartAsync<InteropService>();

    public async Task DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _metrics.Dispose();
            _clientSpans.Dispose();
            _serverSpans.Dispose();
        }
    }

    [Fact]
    public async Task Client_span_is_named_after_the_method_and_carries_the_rpc_attributes()
    {
        using var root = TestTrace.Start();

        await Client.EchoAsync(new EchoRequest { Text = "x" });

        var span = await ClientSpanAsync(root);
        Assert.Equal(ClientSource, span.Source.Name);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal($"{Service}/Echo", span.DisplayName);
        AssertClientTags(span, "Echo", StatusCode.OK);
        Assert.Null(span.GetTagItem(TelemetryAttributes.ErrorType));
        // The channel's address, as AddServiceGrpcClient gives it, not the endpoint service discovery resolved it to.
        Assert.Equal("_grpc.interop", span.GetTagItem(TelemetryAttributes.ServerAddress));
        Assert.Equal(80, span.GetTagItem(TelemetryAttributes.ServerPort));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(root.SpanId, span.ParentSpanId);
    }

    [Fact]
    public async Task One_client_span_per_call_and_no_HTTP_client_span_under_it()
    {
        using var root = TestTrace.Start();

        await Client.EchoAsync(new EchoRequest { Text = "x" });

        var client = await ClientSpanAsync(root);
        // The server span ends before the client's call returns its response; by then everything of the call has ended.
        await _serverSpans.WaitForAsync(root.TraceId, a => a.Kind == ActivityKind.Server);
        Assert.Single(_clientSpans.InTrace(root.TraceId), a => a.Kind == ActivityKind.Client);
        Assert.DoesNotContain(_clientSpans.InTrace(root.TraceId), a => a.Source.Name == TelemetrySources.HttpClient);
        Assert.DoesNotContain(_clientSpans.InTrace(root.TraceId), a => a.ParentSpanId == client.SpanId && a.Kind != ActivityKind.Server);

        // Control: the same provider does record an HTTP client span for a plain HttpClient request in this trace.
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Server.Address, "/alive"))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        (await http.SendAsync(request)).Dispose();
        await _clientSpans.WaitForAsync(root.TraceId, a => a.Source.Name == TelemetrySources.HttpClient);
    }

    [Fact]
    public async Task Server_span_is_the_ASP_NET_Core_activity_enriched_and_child_of_the_client_span()
    {
        using var root = TestTrace.Start();
        root.AddBaggage(TelemetryAttributes.TenantId, "t-1");

        await Client.EchoAsync(new EchoRequest { Text = "x" });

        var client = await ClientSpanAsync(root);
        var server = await ServerSpanAsync(root);
        Assert.Equal(TelemetrySources.AspNetCore, server.Source.Name);
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal($"{Service}/Echo", server.DisplayName);
        AssertRpcTags(server, "Echo", StatusCode.OK);
        Assert.Equal(Server.Address.Host, server.GetTagItem(TelemetryAttributes.ServerAddress));
        Assert.Equal(Server.Address.Port, server.GetTagItem(TelemetryAttributes.ServerPort));
        Assert.Equal(ActivityStatusCode.Unset, server.Status);
        Assert.Equal(client.SpanId, server.ParentSpanId);
        Assert.Equal("t-1", server.GetBaggageItem(TelemetryAttributes.TenantId));
        Assert.Single(_serverSpans.InTrace(root.TraceId), a => a.Kind == ActivityKind.Server);
    }

    [Theory]
    [InlineData(StatusCode.NotFound, ActivityStatusCode.Unset)]
    [InlineData(StatusCode.InvalidArgument, ActivityStatusCode.Unset)]
    [InlineData(StatusCode.Internal, ActivityStatusCode.Error)]
    [InlineData(StatusCode.Unavailable, ActivityStatusCode.Error)]
    public async Task Failed_call_marks_the_client_span_Error_and_the_server_span_only_for_server_faults(
        StatusCode code, ActivityStatusCode serverStatus)
    {
        using var root = TestTrace.Start();

        await Assert.ThrowsAsync<RpcException>(async () => await Client.FailAsync(new FailRequest { Code = (int)code, Message = "it failed" }));

        var client = await ClientSpanAsync(root);
        Assert.Equal(ActivityStatusCode.Error, client.Status);
        AssertClientTags(client, "Fail", code);
        Assert.Equal(OfficialName(code), client.GetTagItem(TelemetryAttributes.ErrorType));
        var server = await ServerSpanAsync(root);
        Assert.Equal(serverStatus, server.Status);
        AssertRpcTags(server, "Fail", code);
    }

    [Fact]
    public async Task Handler_exception_is_recorded_on_the_server_span()
    {
        await StopAsync();
        await StartAsync<FaultyService>();
        using var root = TestTrace.Start();

        await Assert.ThrowsAsync<RpcException>(async () => await Client.EchoAsync(new EchoRequest { Text = "x" }));

        var span = await ServerSpanAsync(root);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, span.GetTagItem(TelemetryAttributes.ErrorType));
        var exception = Assert.Single(span.Events, e => e.Name == TelemetryAttributes.ExceptionEventName);
        Assert.Equal(typeof(InvalidOperationException).FullName, exception.Tags.Single(t => t.Key == TelemetryAttributes.ExceptionType).Value);
        AssertRpcTags(span, "Echo", StatusCode.Internal);
    }

    [Fact]
    public async Task Server_span_of_an_unknown_method_uses_OTHER_and_is_named_after_the_system()
    {
        using var root = TestTrace.Start();

        var error = await Assert.ThrowsAsync<RpcException>(() => _client!.Invoker.CallAsync(UndeclaredMethods.Nope));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        // The path is caller input: it names neither the span nor a tag.
        var server = await ServerSpanAsync(root);
        Assert.Equal("grpc", server.DisplayName);
        Assert.Equal("grpc", server.GetTagItem(TelemetryAttributes.RpcSystemName));
        Assert.Equal("_OTHER", server.GetTagItem(TelemetryAttributes.RpcMethod));
        Assert.Equal("UNIMPLEMENTED", server.GetTagItem(TelemetryAttributes.RpcResponseStatusCode));
        Assert.Equal(ActivityStatusCode.Error, server.Status);
    }

    [Fact]
    public async Task A_caller_that_goes_away_is_CANCELLED_on_the_server_and_not_a_server_error()
    {
        using var root = TestTrace.Start();
        using var caller = new CancellationTokenSource();
        var call = Client.SleepAsync(new SleepRequest { DelayMs = 600_000 }, cancellationToken: caller.Token).ResponseAsync;
        // The server span exists once the handler runs; cancel only then, so the server sees the call go away.
        await _serverSpans.WaitForStartAsync(root.TraceId, a => a.Kind == ActivityKind.Server);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => call);

        var server = await ServerSpanAsync(root);
        Assert.Equal("CANCELLED", server.GetTagItem(TelemetryAttributes.RpcResponseStatusCode));
        Assert.NotEqual(ActivityStatusCode.Error, server.Status);
        var (_, _, tags) = await _metrics.WaitForAsync(TelemetryMetrics.RpcServerCallDuration, tags =>
            Equals(tags[TelemetryAttributes.RpcMethod], $"{Service}/Sleep"));
        Assert.Equal("CANCELLED", tags[TelemetryAttributes.RpcResponseStatusCode]);
        Assert.False(tags.ContainsKey(TelemetryAttributes.ErrorType));
    }

    [Theory]
    [InlineData(TelemetryMetrics.RpcClientCallDuration)]
    [InlineData(TelemetryMetrics.RpcServerCallDuration)]
    public async Task Call_duration_is_recorded_in_seconds_with_the_suite_buckets_and_rpc_attributes(string instrument)
    {
        await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.FailAsync(new FailRequest { Code = (int)StatusCode.OutOfRange, Message = "x" }));

        var (_, seconds, tags) = await _metrics.WaitForAsync(instrument, tags =>
            Equals(tags[TelemetryAttributes.RpcResponseStatusCode], "OUT_OF_RANGE"));
        var histogram = Assert.IsType<Histogram<double>>(_metrics.Instruments[instrument]);
        Assert.Equal("s", histogram.Unit);
        Assert.Equal(TelemetryMetrics.DurationBucketsSeconds, histogram.Advice?.HistogramBucketBoundaries);
        Assert.InRange(seconds, 0, 60);
        Assert.Equal("grpc", tags[TelemetryAttributes.RpcSystemName]);
        Assert.Equal($"{Service}/Fail", tags[TelemetryAttributes.RpcMethod]);
        // OUT_OF_RANGE is the caller's problem for the server, a failure for the client (semconv error.type).
        Assert.Equal(instrument == TelemetryMetrics.RpcClientCallDuration ? "OUT_OF_RANGE" : null, tags.GetValueOrDefault(TelemetryAttributes.ErrorType));
    }

    private InteropClient Client => _client!.Interop;

    private GrpcTestHost Server => _server!;

    private async Task StartAsync<TService>()
        where TService : class
    {
        _server = await GrpcTestHost.StartAsync<TService>(builder => _serverSpans.AttachTo(builder.Services));
        _client = await GrpcTestClient.StartAsync(_server.Address, configure: builder => _clientSpans.AttachTo(builder.Services));
    }

    private async Task StopAsync()
    {
        try
        {
            if (_client is not null)
            {
                await _client.DisposeAsync();
                _client = null;
            }
        }
        finally
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
                _server = null;
            }
        }
    }

    private Task<Activity> ClientSpanAsync(Activity root) =>
        _clientSpans.WaitForAsync(root.TraceId, a => a.Kind == ActivityKind.Client);

    private Task<Activity> ServerSpanAsync(Activity root) =>
        _serverSpans.WaitForAsync(root.TraceId, a => a.Kind == ActivityKind.Server);

    /// <summary>
    /// The attributes OpenTelemetry.Instrumentation.GrpcNetClient emits (the RPC semantic conventions in Development):
    /// rpc.system.name, rpc.method as {package.Service}/{Method}, no rpc.service, rpc.response.status_code as the code's name.
    /// </summary>
    private static void AssertClientTags(Activity span, string method, StatusCode code)
    {
        Assert.Equal("grpc", span.GetTagItem(TelemetryAttributes.RpcSystemName));
        Assert.Equal($"{Service}/{method}", span.GetTagItem(TelemetryAttributes.RpcMethod));
        Assert.Equal(OfficialName(code), span.GetTagItem(TelemetryAttributes.RpcResponseStatusCode));
    }

    /// <summary>NotFound → NOT_FOUND, as the gRPC specification spells the codes.</summary>
    private static string OfficialName(StatusCode code) =>
        System.Text.RegularExpressions.Regex.Replace(code.ToString(), "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant();

    /// <summary>GrpcServerTelemetry puts the same attributes on the server span as the official instrumentation on the client span.</summary>
    private static void AssertRpcTags(Activity span, string method, StatusCode code) => AssertClientTags(span, method, code);

    private sealed class FaultyService : InteropService
    {
        public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) =>
            throw new InvalidOperationException("handler bug");
    }
}
