using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shop.Grpc.Tests.Infrastructure;
using Shop.Grpc.Tests.Interop;
using Shop.Hosting;

namespace Shop.Grpc.Tests;

/// <summary>Our client against our server: statuses, metadata, deadlines, transport failures, configuration.</summary>
public sealed class ClientTests
{
    public static TheoryData<StatusCode> ErrorCodes => new(Enum.GetValues<StatusCode>().Where(c => c != StatusCode.OK));

    [Theory]
    [MemberData(nameof(ErrorCodes))]
    public async Task Every_error_status_reaches_the_caller_with_its_detail_and_trailers(StatusCode code)
    {
        await using var server = await GrpcTestHost.StartAsync();
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Client.FailAsync(code, $"failed with {code}: ✗ 100%"));

        Assert.Equal(code, error.StatusCode);
        Assert.Equal($"failed with {code}: ✗ 100%", error.Status.Detail);
        Assert.Equal("yes", error.Trailers.GetValue("x-failed"));
    }

    [Fact]
    public async Task Metadata_flows_both_ways_as_text_and_binary()
    {
        await using var server = await GrpcTestHost.StartAsync();
        using var client = server.CreateClient();
        var headers = new Metadata { { "x-tenant-id", "t-1" }, { "x-blob-bin", new byte[] { 0, 1, 254, 255 } } };

        var result = await client.Client.Invoker.UnaryWithMetadataAsync(
            InteropClient.EchoMethod, new EchoRequest { Text = "hi" }, new CallOptions(headers));

        Assert.Equal("hi", result.Response.Text);
        foreach (var received in new[] { result.ResponseHeaders, result.Trailers })
        {
            Assert.Equal("t-1", received.GetValue("x-tenant-id"));
            Assert.Equal(new byte[] { 0, 1, 254, 255 }, received.GetValueBytes("x-blob-bin"));
        }
    }

    [Fact]
    public async Task Call_without_a_deadline_sends_none()
    {
        await using var server = await GrpcTestHost.StartAsync();
        using var client = server.CreateClient();

        Assert.Equal(-1, (await client.Client.EchoAsync("no deadline")).DeadlineMs);
    }

    [Fact]
    public async Task Deadline_is_sent_as_grpc_timeout()
    {
        await using var server = await GrpcTestHost.StartAsync();
        using var client = server.CreateClient();

        var response = await client.Client.EchoAsync("x", new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(5)));

        Assert.InRange(response.DeadlineMs, 1, 5000);
    }

    [Fact]
    public async Task Reaching_the_deadline_is_DEADLINE_EXCEEDED()
    {
        await using var server = await GrpcTestHost.StartAsync();
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.Client.SleepAsync(TimeSpan.FromMinutes(1), new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(200))));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Deadline_already_past_fails_without_calling_the_server()
    {
        var called = false;
        await using var server = await GrpcTestHost.StartAsync(service => service.Unary<EchoRequest, EchoResponse>("Echo",
            (_, _) =>
            {
                called = true;
                return Task.FromResult(new EchoResponse());
            }));
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.Client.EchoAsync("late", new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1))));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.False(called);
    }

    [Fact]
    public async Task Deadline_shrinks_from_hop_to_hop()
    {
        await using var second = await DeadlineProbe.StartAsync();
        using var toSecond = second.Server.CreateClient();
        long firstHopMs = 0;

        await RelayAsync(async (request, context) =>
        {
            firstHopMs = InteropService.DeadlineMs(context);
            // Time spent in this hop must come off the next hop's deadline.
            await Task.Delay(200, context.CancellationToken);
            return await toSecond.Client.EchoAsync(request.Text);
        });

        Assert.InRange(firstHopMs, 1, 30_000);
        // At least most of the 200 ms spent in the first hop is gone; timers and the rounding of
        // grpc-timeout to whole units may give back a few milliseconds.
        Assert.InRange(second.DeadlineMs, 1, firstHopMs - 150);
    }

    [Fact]
    public async Task Own_earlier_deadline_wins_over_the_inherited_one()
    {
        await using var second = await DeadlineProbe.StartAsync();
        using var toSecond = second.Server.CreateClient();

        await RelayAsync((request, _) =>
            toSecond.Client.EchoAsync(request.Text, new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(2))));

        Assert.InRange(second.DeadlineMs, 1, 2000);
    }

    [Fact]
    public async Task Propagation_can_be_switched_off()
    {
        await using var second = await DeadlineProbe.StartAsync();
        using var toSecond = second.Server.CreateClient(options => options.PropagateCallContext = false);

        await RelayAsync((request, _) => toSecond.Client.EchoAsync(request.Text));

        Assert.Equal(-1, second.DeadlineMs);
    }

    [Fact]
    public async Task Caller_cancellation_is_CANCELLED()
    {
        await using var server = await GrpcTestHost.StartAsync();
        using var client = server.CreateClient();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.Client.SleepAsync(TimeSpan.FromMinutes(1), new CallOptions(CancellationToken: cancellation.Token)));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Connection_refused_is_UNAVAILABLE()
    {
        using var client = TestClient.For(new Uri($"http://127.0.0.1:{FreePort.Next()}"));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Client.EchoAsync("anyone?"));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Theory]
    [InlineData(StatusCodes.Status400BadRequest, StatusCode.Internal)]
    [InlineData(StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated)]
    [InlineData(StatusCodes.Status403Forbidden, StatusCode.PermissionDenied)]
    [InlineData(StatusCodes.Status404NotFound, StatusCode.Unimplemented)]
    [InlineData(StatusCodes.Status429TooManyRequests, StatusCode.Unavailable)]
    [InlineData(StatusCodes.Status502BadGateway, StatusCode.Unavailable)]
    [InlineData(StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable)]
    [InlineData(StatusCodes.Status504GatewayTimeout, StatusCode.Unavailable)]
    [InlineData(StatusCodes.Status500InternalServerError, StatusCode.Unknown)]
    [InlineData(StatusCodes.Status200OK, StatusCode.Unknown)]
    public async Task Response_without_grpc_status_is_mapped_from_its_HTTP_status(int httpStatus, StatusCode expected)
    {
        // An intermediary answering instead of a gRPC server (http-grpc-status-mapping.md).
        await using var server = await GrpcTestHost.StartAsync(endpoints: app =>
            app.MapPost(InteropClient.EchoMethod.FullName, () => Results.Text("proxy says no", statusCode: httpStatus)).WithOrder(-1));
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Client.EchoAsync("x"));

        Assert.Equal(expected, error.StatusCode);
    }

    [Theory]
    [InlineData("17")]
    [InlineData("-1")]
    [InlineData("OK")]
    public async Task Status_outside_the_17_codes_reads_as_UNKNOWN(string grpcStatus)
    {
        await using var server = await GrpcTestHost.StartAsync(endpoints: app =>
            app.MapPost(InteropClient.EchoMethod.FullName, (HttpContext http) =>
            {
                http.Response.ContentType = "application/grpc";
                http.Response.Headers["grpc-status"] = grpcStatus;
            }).WithOrder(-1));
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<RpcException>(() => client.Client.EchoAsync("x"));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
    }

    [Fact]
    public async Task Address_comes_from_configuration_Services_name_grpc_0()
    {
        await using var server = await GrpcTestHost.StartAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create<string, string?>("services:payments:grpc:0", server.Address.ToString())])
            .Build();
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddGrpcClient<InteropClient>("payments")
            .BuildServiceProvider();

        var response = await services.GetRequiredService<InteropClient>().EchoAsync("configured");

        Assert.Equal("configured", response.Text);
    }

    [Fact]
    public void Missing_address_names_the_configuration_key()
    {
        using var services = new ServiceCollection().AddGrpcClient<InteropClient>("payments").BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(services.GetRequiredService<InteropClient>);

        Assert.Contains("Services:payments:grpc:0", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Calls a first hop, served by <paramref name="firstHop"/>, with a 30 s deadline.</summary>
    private static async Task RelayAsync(Func<EchoRequest, ServerCallContext, Task<EchoResponse>> firstHop)
    {
        await using var first = await GrpcTestHost.StartAsync(service => service.Unary("Echo", firstHop));
        using var client = first.CreateClient();
        await client.Client.EchoAsync("relay", new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(30)));
    }

    /// <summary>A second hop that remembers the deadline its last call arrived with.</summary>
    private sealed class DeadlineProbe : IAsyncDisposable
    {
        public GrpcTestHost Server { get; private set; } = null!;

        public long DeadlineMs { get; private set; }

        public static async Task<DeadlineProbe> StartAsync()
        {
            var probe = new DeadlineProbe();
            probe.Server = await GrpcTestHost.StartAsync(service => service.Unary<EchoRequest, EchoResponse>("Echo", (_, context) =>
            {
                probe.DeadlineMs = InteropService.DeadlineMs(context);
                return Task.FromResult(new EchoResponse());
            }));
            return probe;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }
}
