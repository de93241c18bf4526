using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Shop.Conventions;
using Grpc.Core;
using Shop.Hosting;
using SpanKind = Shop.Otlp.Trace.V1.Span.Types.SpanKind;
using Shop.Payments.Faults;
using Shop.Testing;

namespace Shop.Payments.Tests;

public sealed class FaultInjectionTests(PaymentsService payments) : IClassFixture<PaymentsService>, IAsyncLifetime
{
    private readonly PaymentsClient _client = payments.Client;

    public Task InitializeAsync() => Task.CompletedTask;

    // Each test leaves the shared process without faults, whatever it asserted.
    public async Task DisposeAsync() => (await PutFaults(new FaultSettings())).EnsureSuccessStatusCode();

    [Fact]
    public async Task Admin_api_requires_the_token()
    {
        using var missing = await payments.Process.Http.GetAsync("/admin/faults");
        using var wrong = await Send(HttpMethod.Get, "/admin/faults", token: "not-the-token");
        using var right = await Send(HttpMethod.Get, "/admin/faults");

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(new FaultSettings(), await right.Content.ReadFromJsonAsync<FaultSettings>());
    }

    [Fact]
    public async Task Injected_latency_and_failures_follow_the_admin_api()
    {
        (await PutFaults(new FaultSettings { FailureRate = 1 })).EnsureSuccessStatusCode();
        var failure = await Assert.ThrowsAsync<RpcException>(() => _client.ChargeAsync(PaymentsClient.NewCharge()));
        Assert.Equal(new Status(StatusCode.Unavailable, "injected fault"), failure.Status);

        (await PutFaults(new FaultSettings { LatencyMs = 300, LatencyJitterMs = 100 })).EnsureSuccessStatusCode();
        var started = Stopwatch.GetTimestamp();
        await _client.ChargeAsync(PaymentsClient.NewCharge());
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(300));

        // The injected wait honours the caller's deadline: the call ends DEADLINE_EXCEEDED, and stores nothing.
        (await PutFaults(new FaultSettings { LatencyMs = 30_000 })).EnsureSuccessStatusCode();
        var slow = PaymentsClient.NewCharge();
        var deadline = await Assert.ThrowsAsync<RpcException>(() => _client.ChargeAsync(slow, TimeSpan.FromMilliseconds(500)));
        Assert.Equal(StatusCode.DeadlineExceeded, deadline.StatusCode);
        await payments.Telemetry.WaitForSpans(s => s.Name == "injected latency" && s.ServiceName == "payments");

        (await PutFaults(new FaultSettings())).EnsureSuccessStatusCode();
        Assert.False((await _client.ChargeAsync(slow)).Replayed);
    }

    [Fact]
    public async Task Latency_rate_delays_only_that_fraction_of_calls_and_failures_are_drawn_independently()
    {
        // LatencyRate 0: the latency never applies, failures still do.
        (await PutFaults(new FaultSettings { LatencyMs = 30_000, LatencyRate = 0, FailureRate = 1 })).EnsureSuccessStatusCode();
        var started = Stopwatch.GetTimestamp();
        var failure = await Assert.ThrowsAsync<RpcException>(() => _client.ChargeAsync(PaymentsClient.NewCharge(), TimeSpan.FromSeconds(10)));
        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10));

        // LatencyRate 0.5 over 40 calls: some get the injected latency span and some do not (each side has probability 2^-40 of none).
        (await PutFaults(new FaultSettings { LatencyMs = 1, LatencyRate = 0.5 })).EnsureSuccessStatusCode();
        var since = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        for (var i = 0; i < 40; i++)
        {
            await _client.ChargeAsync(PaymentsClient.NewCharge());
        }

        // Once every call's server span arrived, so did the latency spans, which end before it in the same process.
        bool Recent(ReceivedSpan s) => s.ServiceName == "payments" && s.Span.StartTimeUnixNano >= since;
        var servers = await payments.Telemetry.WaitForSpans(s => Recent(s) && s.Kind == SpanKind.Server && s.Name.EndsWith("/Charge", StringComparison.Ordinal), count: 40);
        var delayed = payments.Telemetry.Spans.Count(s => Recent(s) && s.Name == "injected latency");
        Assert.Equal(40, servers.Count);
        Assert.InRange(delayed, 1, 39);

        // A PUT without latencyRate delays every call, as before the field existed.
        using var put = await Send(HttpMethod.Put, "/admin/faults", content: JsonContent.Create(new { latencyMs = 50 }));
        Assert.Equal(1, (await put.Content.ReadFromJsonAsync<FaultSettings>())!.LatencyRate);
    }

    [Fact]
    public async Task A_tenant_filter_limits_faults_to_calls_whose_baggage_names_that_tenant()
    {
        (await PutFaults(new FaultSettings { FailureRate = 1, Tenant = "acme" })).EnsureSuccessStatusCode();

        await _client.ChargeAsync(PaymentsClient.NewCharge());
        var other = await ChargeAsTenant("globex");
        var acme = await ChargeAsTenant("acme");

        Assert.Equal((StatusCode.OK, StatusCode.Unavailable), (other, acme));
    }

    [Fact]
    public async Task Invalid_fault_settings_are_a_400_naming_each_field()
    {
        using var response = await PutFaults(new FaultSettings { FailureRate = 1.5, LatencyMs = -1, LatencyJitterMs = 60_001, LatencyRate = -0.1, Tenant = "" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblem>();
        Assert.Equal(["failureRate", "latencyJitterMs", "latencyMs", "latencyRate", "tenant"], problem!.Errors.Keys.Order());
    }

    [Fact]
    public async Task Startup_settings_inject_faults_and_without_a_token_the_admin_api_is_disabled()
    {
        await using var database = await PostgresDatabase.CreateAsync("payments_faults");
        await using var faulty = await SuiteService.StartAsync("payments", database, environment: new Dictionary<string, string?>
        {
            ["Payments__Faults__FailureRate"] = "1",
        }, grpcPort: FreePort.Next());
        using var channel = new TestGrpcClient<PaymentsClient>(faulty.GrpcAddress!, invoker => new PaymentsClient(invoker));
        var client = channel.Client;

        var failure = await Assert.ThrowsAsync<RpcException>(() => client.ChargeAsync(PaymentsClient.NewCharge()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/faults");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "anything");
        using var admin = await faulty.Http.SendAsync(request);

        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Contains("disabled", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_startup_fault_settings_stop_the_service_with_the_reason()
    {
        await using var database = await PostgresDatabase.CreateAsync("payments_badfaults");

        var failure = await Assert.ThrowsAsync<HostingException>(() => SuiteService.StartAsync("payments", database,
            environment: new Dictionary<string, string?> { ["Payments__Faults__FailureRate"] = "2" }, grpcPort: FreePort.Next()));

        Assert.Contains("Payments:Faults:failureRate must be between 0 and 1", failure.Message, StringComparison.Ordinal);
    }

    private async Task<StatusCode> ChargeAsTenant(string tenant)
    {
        // The gRPC client sends the current activity's baggage, as it does inside a service.
        using var activity = new Activity("caller").Start();
        activity.AddBaggage(TelemetryAttributes.TenantId, tenant);
        try
        {
            await _client.ChargeAsync(PaymentsClient.NewCharge());
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private Task<HttpResponseMessage> PutFaults(FaultSettings settings) =>
        Send(HttpMethod.Put, "/admin/faults", content: JsonContent.Create(settings));

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string token = PaymentsService.AdminToken, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return payments.Process.Http.SendAsync(request);
    }

    private sealed record ValidationProblem(Dictionary<string, string[]> Errors);
}
