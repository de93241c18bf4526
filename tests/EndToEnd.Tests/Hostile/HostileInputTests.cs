using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Shop.Conventions;
using Shop.Testing;
using SpanKind = Shop.Otlp.Trace.V1.Span.Types.SpanKind;
using SpanStatusCode = Shop.Otlp.Trace.V1.Status.Types.StatusCode;

namespace Shop.EndToEnd.Tests.Hostile;

/// <summary>
/// The suite as a new user runs it (the AppHost's launch profiles: Development), used only by the hostile requests,
/// so that every row and every metric it leaves is theirs.
/// </summary>
public sealed class HostileSuiteFixture : IAsyncLifetime
{
    public ShopSuite Suite { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var development = new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Development" };
        Suite = await ShopSuite.StartAsync(new Dictionary<string, IReadOnlyDictionary<string, string?>>
        {
            [ShopSuite.Gateway] = development,
            [ShopSuite.Users] = development,
            [ShopSuite.Orders] = development,
            [ShopSuite.Payments] = development,
        });
    }

    public async Task DisposeAsync() => await Suite.DisposeAsync();
}

/// <summary>
/// Hostile input, one test case per row of <see cref="HostileRequests"/>: every answer is the 4xx ProblemDetails (or
/// the gRPC status) the row names, never a 5xx; nothing is written to any database; the gateway answers before any
/// call downstream; no service counts the request as a server error, in its metrics or on its span; and every
/// service is still healthy afterwards.
/// </summary>
public sealed partial class HostileInputTests(HostileSuiteFixture fixture) : IClassFixture<HostileSuiteFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private ShopSuite Suite => fixture.Suite;

    public static TheoryData<string> HttpRequests => Names(HostileRequests.Http.Keys);

    public static TheoryData<string> GrpcRequests => Names(HostileRequests.Grpc.Keys);

    [Theory]
    [MemberData(nameof(HttpRequests))]
    public async Task Hostile_HTTP_request_gets_its_4xx_problem_and_changes_nothing(string request)
    {
        var hostile = HostileRequests.Http[request];
        var before = await RowCountsAsync();

        var answer = await RawHttp.SendAsync(new Uri(Suite[hostile.Service].BaseUrl), hostile.Request, Patience);

        Assert.True(hostile.Expected == answer.Status, $"{request}: expected {hostile.Expected}, got {answer.Status}: {Shorten(answer.Text)}");
        switch (hostile.By)
        {
            case Answerer.App:
                await AssertServerSpanAsync(hostile, AssertProblem(answer, hostile.Request));
                break;
            case Answerer.AppWithoutJson:
                Assert.DoesNotContain("json", answer["content-type"] ?? "", StringComparison.OrdinalIgnoreCase);
                await AssertServerSpanAsync(hostile, TraceIdOf(answer, hostile.Request));
                break;
            default:
                // Kestrel refused the request before the application saw it: no span, no trace, no body.
                Assert.Null(answer["traceresponse"]);
                break;
        }

        Assert.Equal(before, await RowCountsAsync());
        await AssertHealthyAsync();
        await AssertNoServerErrorCountedAsync();
    }

    [Theory]
    [MemberData(nameof(GrpcRequests))]
    public async Task Hostile_gRPC_request_gets_its_status_and_changes_nothing(string request)
    {
        var hostile = HostileRequests.Grpc[request];
        var before = await RowCountsAsync();

        var (http, grpc, message) = await RawGrpc.CallAsync(new Uri(Suite.GrpcAddresses[hostile.Service]), hostile.Path, hostile.Body, hostile.ContentType);

        Assert.True(hostile.ExpectedHttp == (int)http, $"{request}: expected HTTP {hostile.ExpectedHttp}, got {(int)http}");
        if (hostile.ExpectedGrpc is { } expected)
        {
            var got = grpc is { } code ? RpcStatusCodes.Name(code) : "no status";
            Assert.True(expected == grpc, $"{request}: expected {RpcStatusCodes.Name(expected)}, got {got} ({message})");
        }

        Assert.Equal(before, await RowCountsAsync());
        await AssertHealthyAsync();
        await AssertNoServerErrorCountedAsync();
    }

    /// <summary>An RFC 9457 problem whose status is the HTTP status, with a type, a title and the trace id; that trace id.</summary>
    private static string AssertProblem(RawAnswer answer, RawRequest request)
    {
        Assert.Equal("application/problem+json", answer["content-type"]?.Split(';')[0]);
        using var problem = JsonDocument.Parse(answer.Body);
        var root = problem.RootElement;
        Assert.Equal(answer.Status, root.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("type").GetString()), $"no type in {answer.Text}");
        Assert.False(string.IsNullOrEmpty(root.GetProperty("title").GetString()), $"no title in {answer.Text}");

        var traceId = TraceIdOf(answer, request);
        Assert.Equal(traceId, root.GetProperty("traceId").GetString());
        return traceId;
    }

    /// <summary>The trace id of the traceresponse header: a fresh trace, which no header the client sent (a forged or broken traceparent) decided.</summary>
    private static string TraceIdOf(RawAnswer answer, RawRequest request)
    {
        var traceResponse = answer["traceresponse"] ?? "";
        Assert.Matches(TraceResponsePattern(), traceResponse);
        var traceId = traceResponse.Split('-')[1];
        Assert.DoesNotContain(request.Headers, header => header.Value.Contains(traceId, StringComparison.Ordinal));
        return traceId;
    }

    /// <summary>
    /// The server span of the request is not an error (a 4xx is the client's) and has no tenant.id; for the gateway,
    /// no other service took part in the trace unless the row says so.
    /// </summary>
    private async Task AssertServerSpanAsync(HostileHttp hostile, string traceId)
    {
        var span = (await Suite.Telemetry.WaitForSpans(s => s.TraceId == traceId && s.ServiceName == hostile.Service && s.Kind == SpanKind.Server, timeout: Patience)).Single();
        Assert.NotEqual(SpanStatusCode.Error, span.Span.Status?.Code ?? SpanStatusCode.Unset);
        Assert.Null(span[TelemetryAttributes.TenantId]);
        Assert.Null(span[TelemetryAttributes.ErrorType]);

        // What the client put in X-Tenant-Id, baggage or traceparent reaches no span attribute and no log line.
        var planted = hostile.Request.Headers.Where(h => h.Name is "X-Tenant-Id" or "baggage" or "traceparent" && h.Value.Length >= 4).Select(h => h.Value).ToList();
        Assert.DoesNotContain(Suite.Telemetry.Spans.Where(s => s.TraceId == traceId),
            s => s.Attributes.Values.Any(value => value is string text && planted.Any(p => text.Contains(p, StringComparison.Ordinal))));
        Assert.DoesNotContain(Suite.Telemetry.Logs.Where(l => l.TraceId == traceId), l => planted.Any(p => l.Body.Contains(p, StringComparison.Ordinal)));
        if (hostile.Service != ShopSuite.Gateway || hostile.Downstream)
        {
            return;
        }

        // Each service exports its spans in the order they end: once a later call's span of users and of orders has
        // arrived, any span of theirs in the hostile request's trace would have arrived before it.
        foreach (var (path, service) in new[] { ($"/api/users/{Guid.NewGuid()}", ShopSuite.Users), ($"/api/orders/{Guid.NewGuid()}", ShopSuite.Orders) })
        {
            using var later = await Suite.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, later.StatusCode);
            var laterTrace = Api.TraceIdOf(later);
            await Suite.Telemetry.WaitForSpans(s => s.TraceId == laterTrace && s.ServiceName == service, timeout: Patience);
        }

        Assert.DoesNotContain(Suite.Telemetry.Spans, s => s.TraceId == traceId && s.ServiceName != ShopSuite.Gateway);
    }

    /// <summary>Rows of every table the suite writes to.</summary>
    private async Task<string> RowCountsAsync()
    {
        var counts = new List<string>();
        foreach (var (service, tables) in new[]
        {
            (ShopSuite.Users, new[] { "users" }),
            (ShopSuite.Orders, new[] { "orders", "order_lines", "outbox_messages" }),
            (ShopSuite.Payments, new[] { "payments" }),
        })
        {
            await using var connection = new NpgsqlConnection(Suite.ConnectionStrings[service]);
            await connection.OpenAsync();
            foreach (var table in tables)
            {
                await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
                counts.Add($"{table}={(long)(await command.ExecuteScalarAsync())!}");
            }
        }

        return string.Join(", ", counts);
    }

    private async Task AssertHealthyAsync()
    {
        foreach (var service in new[] { ShopSuite.Gateway, ShopSuite.Users, ShopSuite.Orders, ShopSuite.Payments })
        {
            Assert.False(Suite[service].HasExited, $"{service} exited");
            using var health = await Suite[service].Http.GetAsync(HealthPaths.Ready);
            Assert.True(health.StatusCode == HttpStatusCode.OK, $"{service} {HealthPaths.Ready}: {(int)health.StatusCode}");
        }
    }

    /// <summary>No series the availability SLOs count as a failure: an HTTP 5xx, a gRPC server-error code, an unavailable checkout.</summary>
    private async Task AssertNoServerErrorCountedAsync()
    {
        foreach (var service in new[] { ShopSuite.Gateway, ShopSuite.Users, ShopSuite.Orders, ShopSuite.Payments })
        {
            var exposition = await Suite[service].Http.GetStringAsync(HealthPaths.Metrics);
            var failures = exposition.Split('\n').Where(line =>
                    (line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal) && line.Contains("http_response_status_code=\"5", StringComparison.Ordinal))
                    || (line.StartsWith("rpc_server_call_duration_seconds_count{", StringComparison.Ordinal)
                        && RpcStatusCodes.ServerErrors.Any(code => line.Contains($"rpc_response_status_code=\"{code}\"", StringComparison.Ordinal)))
                    || line.Contains("checkout_outcome=\"unavailable\"", StringComparison.Ordinal))
                .ToList();
            Assert.True(failures.Count == 0, $"{service} counted server errors: {string.Join(" | ", failures)}");
        }
    }

    private static TheoryData<string> Names(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names)
        {
            data.Add(name);
        }

        return data;
    }

    private static string Shorten(string text) => text.Length > 500 ? text[..500] + "…" : text;

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$")]
    private static partial Regex TraceResponsePattern();
}
