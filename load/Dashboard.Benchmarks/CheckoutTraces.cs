using System.Buffers.Binary;
using Google.Protobuf;
using Shop.Conventions;
using Shop.Otlp.Collector.Trace.V1;
using Shop.Otlp.Common.V1;
using Shop.Otlp.Resource.V1;
using Shop.Otlp.Trace.V1;

namespace Shop.Dashboard.Benchmarks;

/// <summary>
/// Synthetic traces shaped like the suite's checkout: ten spans over gateway, users, orders and payments
/// (HTTP and RPC server/client spans, database spans) with semantic-convention attributes, resource
/// attributes as the .NET SDK sets them, and unique order ids, batched as the OTLP exporter does (512 spans).
/// </summary>
internal sealed class CheckoutTraces(int seed)
{
    public const int SpansPerTrace = 10;
    public static readonly string[] Services = ["gateway", "users", "orders", "payments"];

    private readonly Random _random = new(seed);
    private readonly Dictionary<string, Resource> _resources = Services.ToDictionary(s => s, Resource);

    /// <summary>Export requests of about <paramref name="spansPerRequest"/> spans, <paramref name="traces"/> traces in all, ending near now.</summary>
    public List<(byte[] Payload, int Spans)> Requests(int traces, int spansPerRequest, List<ByteString> traceIds)
    {
        var requests = new List<(byte[], int)>();
        var tracesPerRequest = Math.Max(1, spansPerRequest / SpansPerTrace);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        var spacing = 3_600_000_000_000L / Math.Max(1, traces);
        for (var first = 0; first < traces; first += tracesPerRequest)
        {
            var byService = Services.ToDictionary(s => s, _ => new List<Span>());
            var count = Math.Min(tracesPerRequest, traces - first);
            for (var i = 0; i < count; i++)
            {
                var start = now - 3_600_000_000_000L + ((first + i) * spacing);
                traceIds.Add(Checkout(start, first + i, byService));
            }

            var request = new ExportTraceServiceRequest();
            foreach (var (service, spans) in byService)
            {
                var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore", Version = "10.0.0" } };
                scope.Spans.AddRange(spans);
                request.ResourceSpans.Add(new ResourceSpans { Resource = _resources[service], ScopeSpans = { scope } });
            }

            requests.Add((request.ToByteArray(), count * SpansPerTrace));
        }

        return requests;
    }

    private ByteString Checkout(long start, int index, Dictionary<string, List<Span>> byService)
    {
        var traceId = Id(16);
        var orderId = Guid.CreateVersion7().ToString();
        var tenant = $"tenant-{index % 50}";
        var error = index % 100 == 0;
        var slow = index % 100 == 1 ? 600_000_000L : 0;
        var ms = 1_000_000L;

        var root = Add(byService["gateway"], traceId, ByteString.Empty, "POST /api/orders", Span.Types.SpanKind.Server, start, 40 * ms + slow, error,
            [.. Http("POST", "/api/orders", error ? 500 : 201), Str(TelemetryAttributes.TenantId, tenant), Str(TelemetryAttributes.OrderId, orderId)]);
        var getUser = Add(byService["gateway"], traceId, root, "shop.users.v1.Users/GetUser", Span.Types.SpanKind.Client, start + ms, 5 * ms, false,
            Rpc("shop.users.v1.Users", "GetUser"));
        var userServer = Add(byService["users"], traceId, getUser, "shop.users.v1.Users/GetUser", Span.Types.SpanKind.Server, start + (2 * ms), 3 * ms, false,
            [.. Rpc("shop.users.v1.Users", "GetUser"), Str(TelemetryAttributes.TenantId, tenant)]);
        Add(byService["users"], traceId, userServer, "postgresql", Span.Types.SpanKind.Client, start + (2 * ms), 2 * ms, false,
            Db("SELECT u.id, u.name, u.email FROM users AS u WHERE u.id = @p0 LIMIT 1"));
        var postOrder = Add(byService["gateway"], traceId, root, "POST", Span.Types.SpanKind.Client, start + (7 * ms), 30 * ms + slow, error,
            [Str(TelemetryAttributes.HttpRequestMethod, "POST"), Str("url.full", $"http://orders/orders"), Int(TelemetryAttributes.HttpResponseStatusCode, error ? 500 : 201), Str(TelemetryAttributes.ServerAddress, "orders")]);
        var orderServer = Add(byService["orders"], traceId, postOrder, "POST /orders", Span.Types.SpanKind.Server, start + (8 * ms), 28 * ms + slow, error,
            [.. Http("POST", "/orders", error ? 500 : 201), Str(TelemetryAttributes.TenantId, tenant), Str(TelemetryAttributes.OrderId, orderId)]);
        Add(byService["orders"], traceId, orderServer, "postgresql", Span.Types.SpanKind.Client, start + (9 * ms), 3 * ms, false,
            Db("INSERT INTO orders (id, tenant_id, user_id, status) VALUES (@p0, @p1, @p2, @p3)"));
        var charge = Add(byService["orders"], traceId, orderServer, "shop.payments.v1.Payments/Charge", Span.Types.SpanKind.Client, start + (13 * ms), 18 * ms + slow, error,
            Rpc("shop.payments.v1.Payments", "Charge"));
        var chargeServer = Add(byService["payments"], traceId, charge, "shop.payments.v1.Payments/Charge", Span.Types.SpanKind.Server, start + (14 * ms), 16 * ms + slow, error,
            [.. Rpc("shop.payments.v1.Payments", "Charge"), Str(TelemetryAttributes.OrderId, orderId), Str(TelemetryAttributes.PaymentOutcome, error ? "failed" : "captured")]);
        Add(byService["payments"], traceId, chargeServer, "postgresql", Span.Types.SpanKind.Client, start + (15 * ms), 4 * ms, false,
            Db("INSERT INTO payments (id, order_id, amount, currency, outcome) VALUES (@p0, @p1, @p2, @p3, @p4)"));
        return traceId;
    }

    private ByteString Add(List<Span> spans, ByteString traceId, ByteString parent, string name, Span.Types.SpanKind kind, long start, long duration, bool error, KeyValue[] attributes)
    {
        var span = new Span
        {
            TraceId = traceId,
            SpanId = Id(8),
            ParentSpanId = parent,
            Name = name,
            Kind = kind,
            StartTimeUnixNano = (ulong)start,
            EndTimeUnixNano = (ulong)(start + duration),
            Flags = 0x101,
            Status = error ? new Shop.Otlp.Trace.V1.Status { Code = Shop.Otlp.Trace.V1.Status.Types.StatusCode.Error } : null,
        };
        span.Attributes.AddRange(attributes);

        spans.Add(span);
        return span.SpanId;
    }

    private static KeyValue[] Http(string method, string route, int status) =>
    [
        Str(TelemetryAttributes.HttpRequestMethod, method), Str(TelemetryAttributes.HttpRoute, route), Int(TelemetryAttributes.HttpResponseStatusCode, status),
        Str(TelemetryAttributes.UrlScheme, "http"), Str(TelemetryAttributes.UrlPath, route), Str(TelemetryAttributes.NetworkProtocolVersion, "1.1"),
        Str(TelemetryAttributes.ServerAddress, "localhost"), Int(TelemetryAttributes.ServerPort, 8080),
    ];

    private static KeyValue[] Rpc(string service, string method) =>
    [
        Str(TelemetryAttributes.RpcSystemName, "grpc"), Str(TelemetryAttributes.RpcMethod, $"{service}/{method}"),
        Str(TelemetryAttributes.RpcResponseStatusCode, "OK"), Str(TelemetryAttributes.ServerAddress, "localhost"), Int(TelemetryAttributes.ServerPort, 8081),
    ];

    private static KeyValue[] Db(string query) =>
    [
        Str("db.system.name", "postgresql"), Str("db.namespace", "shop"), Str("db.query.text", query),
        Str(TelemetryAttributes.ServerAddress, "127.0.0.1"), Int(TelemetryAttributes.ServerPort, 5432),
    ];

    private static KeyValue Str(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static KeyValue Int(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    private static Resource Resource(string service) => new()
    {
        Attributes =
        {
            Str(TelemetryAttributes.ServiceName, service), Str(TelemetryAttributes.ServiceVersion, "1.0.0"),
            Str(TelemetryAttributes.ServiceInstanceId, Guid.NewGuid().ToString()), Str(TelemetryAttributes.DeploymentEnvironmentName, "development"),
            Str("telemetry.sdk.name", "opentelemetry"), Str("telemetry.sdk.language", "dotnet"), Str("telemetry.sdk.version", "1.20.1"),
        },
    };

    private ByteString Id(int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        _random.NextBytes(bytes);
        bytes[0] |= 1;
        return ByteString.CopyFrom(bytes);
    }
}
