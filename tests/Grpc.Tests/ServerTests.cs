using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shop.Grpc.Tests.Infrastructure;
using Shop.Grpc.Tests.Interop;

namespace Shop.Grpc.Tests;

/// <summary>What our server puts on the wire, seen through a plain HTTP/2 client.</summary>
public sealed class ServerTests
{
    private const string Echo = "/shop.interop.v1.InteropService/Echo";
    private static readonly byte[] Hello = RawHttp2.Frame(new EchoRequest { Text = "hello" });

    [Fact]
    public async Task Success_sends_headers_then_the_message_then_grpc_status_0_in_trailers()
    {
        await using var server = await GrpcTestHost.StartAsync();

        var response = await RawHttp2.PostAsync(server.Address, Echo, Hello);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Headers["content-type"]);
        Assert.Equal("identity", response.Headers["grpc-accept-encoding"]);
        Assert.False(response.Headers.ContainsKey("grpc-status"));
        Assert.Equal("hello", EchoResponse.Parser.ParseFrom(response.Body[5..]).Text);
        Assert.Equal("0", response.Trailers["grpc-status"]);
    }

    [Fact]
    public async Task Errors_are_sent_Trailers_Only_with_a_percent_encoded_message()
    {
        await using var server = await GrpcTestHost.StartAsync();

        var response = await RawHttp2.PostAsync(server.Address, "/shop.interop.v1.InteropService/Fail",
            RawHttp2.Frame(new FailRequest { Code = (int)StatusCode.NotFound, Message = "Kunde 42 fehlt: 100% ✓" }));

        // Trailers-Only: status and trailers in the one header block, no body, nothing after it.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("5", response.Headers["grpc-status"]);
        Assert.Equal("Kunde 42 fehlt: 100%25 %E2%9C%93", response.Headers["grpc-message"]);
        Assert.Equal("yes", response.Headers["x-failed"]);
        Assert.Empty(response.Body);
        Assert.Empty(response.Trailers);
    }

    [Theory]
    [InlineData("application/grpc")]
    [InlineData("application/grpc+proto")]
    public async Task Protobuf_gRPC_content_types_are_served(string contentType)
    {
        await using var server = await GrpcTestHost.StartAsync();

        var response = await RawHttp2.PostAsync(server.Address, Echo, Hello, contentType);

        Assert.Equal("0", response.Trailers["grpc-status"]);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/grpc+json")]
    [InlineData("text/plain")]
    public async Task Other_content_types_get_HTTP_415(string contentType)
    {
        await using var server = await GrpcTestHost.StartAsync();

        var response = await RawHttp2.PostAsync(server.Address, Echo, Hello, contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Theory]
    [InlineData("grpc-encoding", "gzip", StatusCode.Unimplemented)]
    [InlineData("grpc-timeout", "soon", StatusCode.Internal)]
    [InlineData("grpc-timeout", "123456789m", StatusCode.Internal)]
    public async Task Unsupported_encoding_or_malformed_timeout_ends_the_call_and_identity_is_advertised(
        string header, string value, StatusCode expected)
    {
        await using var server = await GrpcTestHost.StartAsync();

        var response = await RawHttp2.PostAsync(server.Address, Echo, Hello, headers: (header, value));

        Assert.Equal(((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers["grpc-status"]);
        Assert.Equal("identity", response.Headers["grpc-accept-encoding"]);
    }

    [Fact]
    public async Task Request_message_over_the_configured_limit_is_RESOURCE_EXHAUSTED()
    {
        await using var server = await GrpcTestHost.StartAsync(options: options => options.MaxReceiveMessageSize = 16);

        var response = await RawHttp2.PostAsync(server.Address, Echo, RawHttp2.Frame(new EchoRequest { Text = new string('a', 17) }));

        Assert.Equal("8", response.Headers["grpc-status"]);
    }

    [Fact]
    public async Task Default_limit_is_4_MiB()
    {
        await using var server = await GrpcTestHost.StartAsync();
        var justUnder = new string('a', (4 * 1024 * 1024) - 5);

        var accepted = await RawHttp2.PostAsync(server.Address, Echo, RawHttp2.Frame(new EchoRequest { Text = justUnder }));
        var rejected = await RawHttp2.PostAsync(server.Address, Echo, RawHttp2.Frame(new EchoRequest { Text = justUnder + "a" }));

        Assert.Equal("0", accepted.Trailers["grpc-status"]);
        Assert.Equal("8", rejected.Headers["grpc-status"]);
    }

    [Fact]
    public async Task Handler_exception_is_INTERNAL_without_its_text_and_is_logged()
    {
        await using var server = await GrpcTestHost.StartAsync(service => service.Unary<EchoRequest, EchoResponse>("Echo",
            (_, _) => throw new InvalidOperationException("connection string Password=hunter2")));

        var response = await RawHttp2.PostAsync(server.Address, Echo, Hello);

        Assert.Equal("13", response.Headers["grpc-status"]);
        Assert.DoesNotContain("hunter2", string.Join(" ", response.Headers.Values), StringComparison.Ordinal);
        var logged = Assert.Single(server.Logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("hunter2", logged.Exception!.Message, StringComparison.Ordinal);
        Assert.Contains("the caller gets Internal", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exception_mapping_chooses_the_status_for_a_handler_exception_and_keeps_its_text_server_side()
    {
        await using var server = await GrpcTestHost.StartAsync(
            service => service.Unary<EchoRequest, EchoResponse>("Echo", (_, _) => throw new TimeoutException("db at 10.0.0.7 timed out")),
            options => options.ExceptionStatus = e => e is TimeoutException ? new Status(StatusCode.Unavailable, "database unavailable") : null);

        var response = await RawHttp2.PostAsync(server.Address, Echo, Hello);

        Assert.Equal("14", response.Headers["grpc-status"]);
        Assert.Equal("database unavailable", response.Headers["grpc-message"]);
        Assert.DoesNotContain("10.0.0.7", string.Join(" ", response.Headers.Values), StringComparison.Ordinal);
        Assert.Contains("10.0.0.7", Assert.Single(server.Logs.Entries, e => e.Level == LogLevel.Error).Exception!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_sees_the_deadline_the_caller_sent_in_grpc_timeout()
    {
        await using var server = await GrpcTestHost.StartAsync();

        var response = await RawHttp2.PostAsync(server.Address, Echo, Hello, headers: ("grpc-timeout", "5S"));

        Assert.InRange(EchoResponse.Parser.ParseFrom(response.Body[5..]).DeadlineMs, 1, 5000);
    }

    [Fact]
    public async Task Call_past_its_deadline_is_cancelled_and_ends_DEADLINE_EXCEEDED()
    {
        await using var server = await GrpcTestHost.StartAsync();

        // This client keeps waiting past the deadline: what it gets is the server's own verdict.
        var response = await RawHttp2.PostAsync(server.Address, "/shop.interop.v1.InteropService/Sleep",
            RawHttp2.Frame(new SleepRequest { DelayMs = 60_000 }), headers: ("grpc-timeout", "200m"));

        Assert.Equal("4", response.Headers["grpc-status"]);
    }

    [Fact]
    public async Task Handler_token_fires_when_the_caller_goes_away()
    {
        var cancelled = new TaskCompletionSource();
        await using var server = await GrpcTestHost.StartAsync(service => service.Unary<SleepRequest, EchoResponse>("Sleep",
            async (_, context) =>
            {
                context.CancellationToken.Register(cancelled.SetResult);
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                return new EchoResponse();
            }));
        using var client = server.CreateClient();
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.Client.SleepAsync(TimeSpan.FromMinutes(1), new CallOptions(CancellationToken: caller.Token)));
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Request_without_a_message_is_UNIMPLEMENTED()
    {
        await using var server = await GrpcTestHost.StartAsync();

        var response = await RawHttp2.PostAsync(server.Address, Echo, []);

        Assert.Equal("12", response.Headers["grpc-status"]);
    }

    [Theory]
    [InlineData("/shop.interop.v1.InteropService/Nope", "Method Nope is not implemented by service shop.interop.v1.InteropService.")]
    [InlineData("/shop.interop.v1.InteropService/echo", "Method echo is not implemented by service shop.interop.v1.InteropService.")]
    [InlineData("/shop.interop.v1.Missing/Echo", "Service shop.interop.v1.Missing is not implemented.")]
    public async Task Unknown_or_differently_cased_path_is_UNIMPLEMENTED(string path, string message)
    {
        await using var server = await GrpcTestHost.StartAsync();

        var response = await RawHttp2.PostAsync(server.Address, path, Hello);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("12", response.Headers["grpc-status"]);
        Assert.Equal(message, PercentEncoding.Decode(response.Headers["grpc-message"]));
    }

    [Fact]
    public async Task Non_gRPC_request_to_an_unknown_path_is_left_to_HTTP_404()
    {
        await using var server = await GrpcTestHost.StartAsync();

        var response = await RawHttp2.PostAsync(server.Address, "/some/page", [], "application/json");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Other_endpoints_of_the_application_win_over_the_UNIMPLEMENTED_catch_all()
    {
        await using var server = await GrpcTestHost.StartAsync(endpoints: app => app.MapPost("/orders/{id}", () => "order"));

        var response = await RawHttp2.PostAsync(server.Address, "/orders/7", [], "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("order", System.Text.Encoding.UTF8.GetString(response.Body));
    }

    [Fact]
    public async Task Handler_of_a_service_class_gets_an_instance_from_the_request_services_per_call()
    {
        await using var server = await GrpcTestHost.StartAsync(
            service => service.Unary("Echo", (ScopedApi api, EchoRequest request, ServerCallContext _) => api.EchoAsync(request)),
            services: services => services.AddScoped<ScopedApi>());
        using var client = server.CreateClient();

        var first = await client.Client.EchoAsync("a");
        var second = await client.Client.EchoAsync("b");

        Assert.StartsWith("a from ", first.Text, StringComparison.Ordinal);
        Assert.NotEqual(first.Text[2..], second.Text[2..]);
    }

    [Fact]
    public async Task Handler_with_message_types_other_than_the_descriptor_declares_fails_at_startup() =>
        await Assert.ThrowsAsync<InvalidOperationException>(() => GrpcTestHost.StartAsync(service =>
            service.Unary<FailRequest, EchoResponse>("Echo", (_, _) => Task.FromResult(new EchoResponse()))));

    private sealed class ScopedApi
    {
        private readonly Guid _instance = Guid.NewGuid();

        public Task<EchoResponse> EchoAsync(EchoRequest request) =>
            Task.FromResult(new EchoResponse { Text = $"{request.Text} from {_instance}" });
    }
}
