using System.Net;
using Shop.Conventions;
using Shop.Otlp;
using Shop.Testing;
using Kind = Shop.Otlp.Trace.V1.Span.Types.SpanKind;

namespace Shop.EndToEnd.Tests;

/// <summary>The trace of one checkout, as an OTLP backend receives it from the four services.</summary>
[Collection(SharedSuite.Name)]
public sealed class CheckoutTraceTests(SuiteFixture fixture)
{
    private const string GetUser = "shop.users.v1.UsersService/GetUser";
    private const string Charge = "shop.payments.v1.PaymentsService/Charge";

    private ShopSuite Suite => fixture.Suite;

    [Fact]
    public async Task Checkout_leaves_one_trace_across_gateway_users_orders_payments_and_their_databases()
    {
        var userId = await Suite.Http.RegisterUserAsync();

        using var response = await Suite.Http.SendAsync(Api.Checkout(userId, $"trace-{Guid.NewGuid():N}", tenant: "acme"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Json();
        Assert.Equal("Paid", body.GetProperty("status").GetString());
        var traceId = Api.TraceIdOf(response);
        Assert.Equal(traceId, body.GetProperty("traceId").GetString());
        var orderId = body.GetProperty("id").GetString();

        // Each process exports on its own schedule: wait for every span the assertions below name.
        var trace = new Trace(await Suite.Telemetry.WaitFor(r =>
        {
            var spans = r.Spans.Where(s => s.TraceId == traceId).ToList();
            var servers = spans.Where(s => s.Kind == Kind.Server).Select(s => (s.ServiceName, s.Name)).ToHashSet();
            var complete = servers.IsSupersetOf([(ShopSuite.Gateway, "POST /api/orders"), (ShopSuite.Users, GetUser), (ShopSuite.Orders, "POST /orders"), (ShopSuite.Payments, Charge)])
                && spans.Count(s => s.Kind == Kind.Client && s.ServiceName is ShopSuite.Gateway or ShopSuite.Orders && s.Scope != TelemetrySources.Npgsql) >= 3
                && spans.Where(s => s.Scope == TelemetrySources.Npgsql).Select(s => s.ServiceName).Distinct().Count() == 3;
            return complete ? spans : null;
        }, TimeSpan.FromSeconds(30), "the checkout trace"));

        // Gateway: the server span, a gRPC client span to users, an HTTP client span to orders.
        var gateway = trace.Single(ShopSuite.Gateway, Kind.Server, "POST /api/orders");
        var getUserClient = trace.Single(ShopSuite.Gateway, Kind.Client, GetUser);
        var toOrders = trace.Single(ShopSuite.Gateway, Kind.Client, "POST");
        Assert.Equal(gateway.SpanId, getUserClient.ParentSpanId);
        Assert.Equal(gateway.SpanId, toOrders.ParentSpanId);
        Assert.Equal("grpc", getUserClient[TelemetryAttributes.RpcSystemName]);
        Assert.Equal(GetUser, getUserClient[TelemetryAttributes.RpcMethod]);
        Assert.Equal(orderId, gateway[TelemetryAttributes.OrderId]);

        // Users: the gRPC server span under the gateway's client span, with its one statement (the SELECT) beneath.
        var users = trace.Single(ShopSuite.Users, Kind.Server, GetUser);
        Assert.Equal(getUserClient.SpanId, users.ParentSpanId);
        Assert.Equal(GetUser, users[TelemetryAttributes.RpcMethod]);
        Assert.Equal("OK", users[TelemetryAttributes.RpcResponseStatusCode]);
        Assert.Single(trace.StatementsUnder(users));

        // Orders: the HTTP server span under the gateway's HTTP client span; the charge to payments; its two statements
        // (the Pending order inserted, then Paid stored with its outbox row: no lookup of the Idempotency-Key first).
        var orders = trace.Single(ShopSuite.Orders, Kind.Server, "POST /orders");
        Assert.Equal(toOrders.SpanId, orders.ParentSpanId);
        Assert.Equal(orderId, orders[TelemetryAttributes.OrderId]);
        Assert.Equal(2, trace.StatementsUnder(orders).Count);
        // Each is one batch that PostgreSQL commits by itself: no COMMIT round trip of EF Core's, so no COMMIT span
        // (src/Data/OneBatchSave.cs; a COMMIT that is sent has its span, src/Data/TransactionTelemetry.cs).
        Assert.DoesNotContain(trace.Spans, s => s.ServiceName == ShopSuite.Orders && s.Scope == TelemetrySources.Data);
        var chargeClient = trace.Single(ShopSuite.Orders, Kind.Client, Charge);
        Assert.Contains(orders, trace.Ancestors(chargeClient));

        // Payments: the gRPC server span under orders' client span, and its one statement (the INSERT of the payment).
        var payments = trace.Single(ShopSuite.Payments, Kind.Server, Charge);
        Assert.Equal(chargeClient.SpanId, payments.ParentSpanId);
        Assert.Single(trace.StatementsUnder(payments));

        // The tenant reached every span of every service, database spans included.
        Assert.All(trace.Spans, span => Assert.True("acme".Equals(span[TelemetryAttributes.TenantId]), $"no tenant.id on {span}"));
        Assert.All(trace.Spans, span => Assert.Equal(traceId, span.TraceId));

        // Logs written during the checkout carry its trace id.
        var logs = await Suite.Telemetry.WaitFor(r =>
            r.Logs.Where(l => l.TraceId == traceId).Select(l => l.ServiceName).Distinct().Count() >= 2
                ? r.Logs.Where(l => l.TraceId == traceId).ToList() : null, what: "logs of the checkout from two services");
        Assert.All(logs, log => Assert.Contains(log.SpanId, trace.Spans.Select(s => s.SpanId)));
    }

    [Fact]
    public async Task Outbox_publish_span_starts_its_own_trace_and_links_back_to_the_checkout()
    {
        var userId = await Suite.Http.RegisterUserAsync();
        using var response = await Suite.Http.SendAsync(Api.Checkout(userId, $"outbox-{Guid.NewGuid():N}", tenant: "globex"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var traceId = Api.TraceIdOf(response);
        var orderId = (await response.Json()).GetProperty("id").GetString();

        var publish = (await Suite.Telemetry.WaitForSpans(s =>
            s.ServiceName == ShopSuite.Orders && s.Span.Links.Any(l => OtlpValues.Hex(l.TraceId) == traceId), timeout: TimeSpan.FromSeconds(30)))[0];

        Assert.NotEqual(traceId, publish.TraceId);
        Assert.Equal(Kind.Producer, publish.Kind);
        Assert.Equal("publish", publish[TelemetryAttributes.MessagingOperationType]);
        Assert.Equal(orderId, publish[TelemetryAttributes.OrderId]);
        Assert.Equal("globex", publish[TelemetryAttributes.TenantId]);
    }

    /// <summary>The spans of one trace, with the parent-child structure.</summary>
    private sealed class Trace(IReadOnlyList<ReceivedSpan> spans)
    {
        private readonly Dictionary<string, ReceivedSpan> _byId = spans.ToDictionary(s => s.SpanId);

        public IReadOnlyList<ReceivedSpan> Spans => spans;

        public ReceivedSpan Single(string service, Kind kind, string name)
        {
            var matches = spans.Where(s => s.ServiceName == service && s.Kind == kind && s.Name == name).ToList();
            return matches.Count == 1
                ? matches[0]
                : throw new Xunit.Sdk.XunitException($"Expected one {kind} span '{name}' of {service}, found {matches.Count} in:\n{string.Join('\n', spans)}");
        }

        public IEnumerable<ReceivedSpan> Ancestors(ReceivedSpan span)
        {
            for (var parent = span.ParentSpanId; _byId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
            {
                yield return next;
            }
        }

        /// <summary>The database statements under <paramref name="server"/>: its Npgsql spans but those of opening a physical connection.</summary>
        public IReadOnlyList<ReceivedSpan> StatementsUnder(ReceivedSpan server) =>
            [.. spans.Where(s => s.Scope == TelemetrySources.Npgsql && s.ServiceName == server.ServiceName && Ancestors(s).Contains(server)
                && !s.Name.StartsWith("CONNECT ", StringComparison.Ordinal))];
    }
}
