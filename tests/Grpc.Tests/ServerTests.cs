using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Shop.Grpc.Tests.Infrastructure;
using Shop.Grpc.Tests.Interop;
using InteropService = Shop.Grpc.Tests.Infrastructure.InteropService;

namespace Shop.Grpc.Tests;

/// <summary>What AddGrpcServer and MapGrpcServer add to Grpc.AspNetCore: the exception contract, health and reflection.</summary>
public sealed class ServerTests : IAsyncLifetime
{
    private const string Service = "shop.interop.v1.InteropService";

    private GrpcTestHost? _server;
    private GrpcTestClient? _client;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try
        {
            if (_client is not null)
            {
                await _client.DisposeAsync();
            }
        }
        finally
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Handler_exception_is_INTERNAL_without_its_text_and_is_logged()
    {
        var client = await StartAsync<LeakyService>();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.EchoAsync(new EchoRequest { Text = "x" }));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal("Internal error.", error.Status.Detail);
        Assert.DoesNotContain(error.Trailers, t => !t.IsBinary && t.Value.Contains("hunter2", StringComparison.Ordinal));
        var logged = Assert.Single(_server!.Logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Contains("hunter2", logged.Exception!.Message, StringComparison.Ordinal);
        Assert.Contains($"/{Service}/Echo", logged.Message, StringComparison.Ordinal);
        Assert.Contains("answering Internal", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exception_mapping_chooses_the_status_for_a_handler_exception_and_keeps_its_text_server_side()
    {
        var client = await StartAsync<TimingOutService>(
            exceptionStatus: e => e is TimeoutException ? new Status(StatusCode.Unavailable, "database unavailable") : null);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.EchoAsync(new EchoRequest { Text = "x" }));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal("database unavailable", error.Status.Detail);
        Assert.DoesNotContain(error.Trailers, t => !t.IsBinary && t.Value.Contains("10.0.0.7", StringComparison.Ordinal));
        var logged = Assert.Single(_server!.Logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Contains("10.0.0.7", logged.Exception!.Message, StringComparison.Ordinal);
        Assert.Contains("answering Unavailable", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exception_the_mapping_does_not_know_is_still_INTERNAL()
    {
        var client = await StartAsync<LeakyService>(
            exceptionStatus: e => e is TimeoutException ? new Status(StatusCode.Unavailable, "database unavailable") : null);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.EchoAsync(new EchoRequest { Text = "x" }));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Equal("Internal error.", error.Status.Detail);
    }

    [Fact]
    public async Task Health_service_answers_SERVING_when_the_checks_are_healthy()
    {
        await StartAsync<InteropService>();

        var response = await _client!.Health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Health_service_answers_NOT_SERVING_when_a_registered_check_is_unhealthy()
    {
        await StartAsync<InteropService>(builder =>
            builder.Services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Unhealthy("cannot connect")));

        var response = await _client!.Health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, response.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_service_in_Development()
    {
        await StartAsync<InteropService>(environment: "Development");

        var services = await ListServicesAsync();

        Assert.Contains(Service, services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task Reflection_is_absent_in_Production()
    {
        await StartAsync<InteropService>(environment: "Production");

        var error = await Assert.ThrowsAsync<RpcException>(ListServicesAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    private async Task<InteropClient> StartAsync<TService>(
        Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null,
        Func<Exception, Status?>? exceptionStatus = null,
        string environment = "Production")
        where TService : class
    {
        _server = await GrpcTestHost.StartAsync<TService>(configure, exceptionStatus, environment);
        _client = await GrpcTestClient.StartAsync(_server.Address);
        return _client.Interop;
    }

    private async Task<List<string>> ListServicesAsync()
    {
        using var call = _client!.Reflection.ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(30));
        try
        {
            await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // A server without reflection may end the call before the request is written (the write then fails as
            // CANCELLED, on a busy machine more often); the call's own status is what the response stream throws.
        }

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
    }

    private sealed class LeakyService : InteropService
    {
        public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) =>
            throw new InvalidOperationException("connection string Password=hunter2");
    }

    private sealed class TimingOutService : InteropService
    {
        public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) =>
            throw new TimeoutException("db at 10.0.0.7 timed out");
    }
}
