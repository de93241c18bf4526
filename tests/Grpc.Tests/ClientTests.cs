using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shop.Grpc.Tests.Infrastructure;
using Shop.Grpc.Tests.Interop;
using InteropService = Shop.Grpc.Tests.Infrastructure.InteropService;

namespace Shop.Grpc.Tests;

/// <summary>
/// What AddServiceGrpcClient adds to Grpc.Net.ClientFactory: the address from service discovery, and the deadline and
/// cancellation of the call being served carried to the calls it makes.
/// </summary>
public sealed class ClientTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _started = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Last started, first stopped; every one of them, even when one fails to stop.
        var failures = new List<Exception>();
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            try
            {
                await _started[i].DisposeAsync();
            }
#pragma warning disable CA1031 // Collected and rethrown once everything is stopped.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures.Add(e);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }
    }

    [Fact]
    public async Task Address_comes_from_configuration_Services_name_grpc_0_through_service_discovery()
    {
        var server = await Started(GrpcTestHost.StartAsync());
        var client = await Started(GrpcTestClient.StartAsync(server.Address, name: "payments"));

        var response = await client.Interop.EchoAsync(new EchoRequest { Text = "configured" });

        Assert.Equal("configured", response.Text);
    }

    [Fact]
    public async Task Connection_refused_is_UNAVAILABLE()
    {
        // Bound and never listening: every connection to it is refused, and no other process can take the port meanwhile.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var client = await Started(GrpcTestClient.StartAsync(new Uri($"http://127.0.0.1:{((IPEndPoint)closed.LocalEndPoint!).Port}")));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.Interop.EchoAsync(new EchoRequest { Text = "anyone?" }, deadline: DateTime.UtcNow.AddSeconds(30)));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.IsType<HttpRequestException>(error.Status.DebugException);
    }

    [Fact]
    public async Task Call_made_while_serving_a_call_inherits_its_deadline()
    {
        var client = await RelayAsync();

        var response = await client.EchoAsync(new EchoRequest { Text = "" }, deadline: DateTime.UtcNow.AddSeconds(30));

        var (firstHopMs, secondHopMs) = Hops(response);
        Assert.InRange(firstHopMs, 1, 30_000);
        Assert.InRange(secondHopMs, 1, AsSent(firstHopMs));
    }

    [Fact]
    public async Task Inherited_deadline_wins_over_a_later_one_of_the_handler()
    {
        var client = await RelayAsync();

        var response = await client.EchoAsync(new EchoRequest { Text = "600000" }, deadline: DateTime.UtcNow.AddSeconds(30));

        var (firstHopMs, secondHopMs) = Hops(response);
        Assert.InRange(secondHopMs, 1, AsSent(firstHopMs));
    }

    [Fact]
    public async Task Handler_own_earlier_deadline_wins_over_the_inherited_one()
    {
        var client = await RelayAsync();

        var response = await client.EchoAsync(new EchoRequest { Text = "2000" }, deadline: DateTime.UtcNow.AddSeconds(600));

        var (firstHopMs, secondHopMs) = Hops(response);
        Assert.InRange(firstHopMs, 2001, 600_000);
        Assert.InRange(secondHopMs, 1, 2000);
    }

    [Fact]
    public async Task Caller_cancellation_flows_to_the_call_the_handler_makes()
    {
        var probe = new SleepProbe();
        var client = await RelayAsync(builder => builder.Services.AddSingleton(probe));
        using var caller = new CancellationTokenSource();

        var call = client.SleepAsync(new SleepRequest { DelayMs = 600_000 }, cancellationToken: caller.Token).ResponseAsync;
        await probe.Started.Task.WaitAsync(Eventually.Timeout);
        await caller.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        // The second hop's handler sees its call end: the first hop's call to it was cancelled with the caller's.
        await probe.Cancelled.Task.WaitAsync(Eventually.Timeout);
    }

    /// <summary>A second hop (behind a <see cref="SleepProbe"/> when one is registered), a first hop relaying to it, and a client of the first.</summary>
    private async Task<InteropClient> RelayAsync(Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? second = null)
    {
        var secondHop = await Started(GrpcTestHost.StartAsync<ProbedService>(second));
        var firstHop = await Started(GrpcTestHost.StartAsync<RelayService>(builder =>
        {
            builder.Configuration[$"Services:{RelayService.Next}:grpc:0"] = secondHop.Address.ToString();
            builder.Services.AddServiceGrpcClient<InteropClient>(RelayService.Next);
        }));
        return (await Started(GrpcTestClient.StartAsync(firstHop.Address))).Interop;
    }

    /// <summary>
    /// The most a deadline with <paramref name="remainingMs"/> left can arrive as at the next hop: the same instant, seen
    /// later, except that Grpc.Net.Client rounds grpc-timeout up to three significant figures (29 948 ms is sent as 30S).
    /// </summary>
    private static long AsSent(long remainingMs)
    {
        var ms = remainingMs + 1; // DeadlineMs truncates to whole milliseconds.
        var unit = 1L;
        while (ms / unit >= 1000)
        {
            unit *= 10;
        }

        return (ms + unit - 1) / unit * unit;
    }

    private static (long FirstHopMs, long SecondHopMs) Hops(EchoResponse response) =>
        (long.Parse(response.Text, System.Globalization.CultureInfo.InvariantCulture), response.DeadlineMs);

    private async Task<T> Started<T>(Task<T> starting)
        where T : IAsyncDisposable
    {
        var started = await starting;
        _started.Add(started);
        return started;
    }

    /// <summary>
    /// The first hop: Echo calls the second hop's Echo, with its own deadline when the text holds milliseconds, and
    /// answers the deadline it had itself as text and the second hop's as deadline_ms; Sleep calls the second hop's Sleep.
    /// </summary>
    private sealed class RelayService(InteropClient next) : InteropService
    {
        public const string Next = "second";

        public override async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
        {
            var ownMs = DeadlineMs(context);
            DateTime? deadline = request.Text.Length == 0
                ? null
                : DateTime.UtcNow.AddMilliseconds(int.Parse(request.Text, System.Globalization.CultureInfo.InvariantCulture));
            var response = await next.EchoAsync(new EchoRequest(), deadline: deadline);
            return new EchoResponse { Text = ownMs.ToString(System.Globalization.CultureInfo.InvariantCulture), DeadlineMs = response.DeadlineMs };
        }

        public override async Task<EchoResponse> Sleep(SleepRequest request, ServerCallContext context) =>
            await next.SleepAsync(request);
    }

    /// <summary>Tells when a Sleep call started and when its token fired.</summary>
    private sealed class SleepProbe
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class ProbedService(IServiceProvider services) : InteropService
    {
        public override async Task<EchoResponse> Sleep(SleepRequest request, ServerCallContext context)
        {
            if (services.GetService<SleepProbe>() is not { } probe)
            {
                return await base.Sleep(request, context);
            }

            using var registration = context.CancellationToken.Register(() => probe.Cancelled.TrySetResult());
            probe.Started.TrySetResult();
            return await base.Sleep(request, context);
        }
    }
}
