using Shop.Grpc.Tests.Infrastructure;
using Shop.Grpc.Tests.Interop;

namespace Shop.Grpc.Tests;

/// <summary>grpc-js (tests/interop) as client of our server, and as server for our client.</summary>
public sealed class InteropTests : IAsyncLifetime
{
    private const string NonAscii = "Zahlung für Bestellung 42 abgelehnt: 100% ✗";

    private GrpcTestHost? _ourServer;
    private GrpcJsServer? _grpcJsServer;
    private GrpcTestClient? _ourClient;

    public async Task InitializeAsync()
    {
        _ourServer = await GrpcTestHost.StartAsync();
        _grpcJsServer = await GrpcJsServer.StartAsync();
        _ourClient = await GrpcTestClient.StartAsync(_grpcJsServer.Address);
    }

    public async Task DisposeAsync()
    {
        // Null-safe: xunit disposes even when InitializeAsync failed halfway.
        try
        {
            if (_ourClient is not null)
            {
                await _ourClient.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                if (_grpcJsServer is not null)
                {
                    await _grpcJsServer.DisposeAsync();
                }
            }
            finally
            {
                if (_ourServer is not null)
                {
                    await _ourServer.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task Grpc_js_client_calls_our_server_with_metadata_both_ways()
    {
        var result = await CallOurServerAsync(new
        {
            method = "Echo",
            request = new { text = "hello ✓" },
            metadata = new Dictionary<string, string> { ["x-tenant-id"] = "t-1", ["x-blob-bin"] = "AAH+/w==" },
        });

        Assert.Equal(0, result.Code);
        Assert.Equal("hello ✓", result.Response!.Value.GetProperty("text").GetString());
        foreach (var received in new[] { result.Headers, result.Trailers })
        {
            Assert.Equal("t-1", received["x-tenant-id"]);
            Assert.Equal("AAH+/w==", received["x-blob-bin"]);
        }
    }

    [Fact]
    public async Task Application_error_with_non_ASCII_message_reaches_grpc_js_client_Trailers_Only()
    {
        var result = await CallOurServerAsync(new { method = "Fail", request = new { code = 9, message = NonAscii } });

        Assert.Equal((int)StatusCode.FailedPrecondition, result.Code);
        Assert.Equal(NonAscii, result.Details);
        Assert.Equal("yes", result.Trailers["x-failed"]);
        // grpc-js reports the header block of a Trailers-Only response as trailers, and no headers.
        Assert.Empty(result.Headers);
        Assert.Equal("application/grpc", result.Trailers["content-type"]);
    }

    [Fact]
    public async Task Grpc_js_client_deadline_reaches_our_handler()
    {
        var result = await CallOurServerAsync(new { method = "Echo", request = new { text = "x" }, deadlineMs = 30_000 });

        Assert.Equal(0, result.Code);
        Assert.InRange(result.Response!.Value.GetProperty("deadlineMs").GetInt64(), 1, 30_000);
    }

    [Fact]
    public async Task Deadline_exceeded_in_our_server_is_DEADLINE_EXCEEDED_for_grpc_js_client()
    {
        var result = await CallOurServerAsync(new { method = "Sleep", request = new { delayMs = 600_000 }, deadlineMs = 300 });

        Assert.Equal((int)StatusCode.DeadlineExceeded, result.Code);
    }

    [Theory]
    [InlineData("/shop.interop.v1.InteropService/Unimplemented")] // declared, served by the generated base
    [InlineData("/shop.interop.v1.InteropService/Nope")] // not declared at all
    public async Task Unknown_method_returns_UNIMPLEMENTED_to_grpc_js_client(string path)
    {
        var result = await CallOurServerAsync(new { method = "Echo", path, request = new { text = "x" } });

        Assert.Equal((int)StatusCode.Unimplemented, result.Code);
    }

    [Fact]
    public async Task Unknown_service_returns_UNIMPLEMENTED_to_grpc_js_client()
    {
        var result = await CallOurServerAsync(new { method = "Echo", path = "/shop.interop.v1.Nowhere/Echo", request = new { text = "x" } });

        Assert.Equal((int)StatusCode.Unimplemented, result.Code);
    }

    [Fact]
    public async Task Our_client_calls_grpc_js_server_with_metadata_both_ways_and_its_deadline()
    {
        var headers = new Metadata { { "x-tenant-id", "t-1" }, { "x-blob-bin", new byte[] { 0, 1, 254, 255 } } };

        using var call = OurClient.EchoAsync(new EchoRequest { Text = "hello ✓" }, headers, DateTime.UtcNow.AddSeconds(30));
        var response = await call;

        Assert.Equal("hello ✓", response.Text);
        Assert.InRange(response.DeadlineMs, 1, 30_000);
        foreach (var received in new[] { await call.ResponseHeadersAsync, call.GetTrailers() })
        {
            Assert.Equal("t-1", received.GetValue("x-tenant-id"));
            Assert.Equal(new byte[] { 0, 1, 254, 255 }, received.GetValueBytes("x-blob-bin"));
        }
    }

    [Fact]
    public async Task Application_error_with_non_ASCII_message_from_grpc_js_server_reaches_our_client()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await OurClient.FailAsync(new FailRequest { Code = (int)StatusCode.NotFound, Message = NonAscii }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(NonAscii, error.Status.Detail);
        Assert.Equal("yes", error.Trailers.GetValue("x-failed"));
    }

    [Fact]
    public async Task Our_client_deadline_is_DEADLINE_EXCEEDED_against_grpc_js_server()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await OurClient.SleepAsync(new SleepRequest { DelayMs = 600_000 }, deadline: DateTime.UtcNow.AddMilliseconds(300)));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task Unknown_method_on_grpc_js_server_is_UNIMPLEMENTED_for_our_client()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await OurClient.UnimplementedAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    private InteropClient OurClient => _ourClient!.Interop;

    private Task<GrpcJsResult> CallOurServerAsync(object call) => GrpcJsResult.CallAsync(_ourServer!.Target, call);
}
