using Shop.Conventions;
using Shop.Dashboard.Alerts;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Tests;

/// <summary>The root-cause analysis on traces built by hand: gateway → orders → payments, as a checkout.</summary>
public sealed class RootCauseAnalysisTests
{
    private const string Charge = "shop.payments.v1.PaymentsService/Charge";
    private static readonly SpanProcess Gateway = new("gateway", []);
    private static readonly SpanProcess Orders = new("orders", []);
    private static readonly SpanProcess Payments = new("payments", []);
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void The_dominant_operation_is_the_one_with_most_self_time_on_the_critical_path_of_slow_traces()
    {
        // Nine quick checkouts, one where payments waited 900 ms inside Charge (an internal span under the server span).
        var traces = Enumerable.Range(1, 9).Select(i => Checkout((ulong)i, "globex", chargeMs: 5)).ToList();
        traces.Add(Checkout(10, "acme", chargeMs: 900, slowChild: "injected latency"));

        var report = Analyze(traces, latency: true);

        Assert.Equal(1, report.SlowTraces);
        Assert.Equal(0, report.ErrorTraces);
        var cause = Assert.IsType<RcaCause>(report.Cause);
        Assert.Equal(("payments", Charge, "injected latency", RcaCause.Latency), (cause.Service, cause.Operation, cause.Span, cause.Kind));
        var top = report.DominantOperations[0];
        Assert.True(top.SelfTime >= 900_000, $"self time {top.SelfTime} µs");
        Assert.True(top.Share > 0.8, $"share {top.Share}");
        Assert.Equal(traces[9][0].TraceId.ToHex(), report.TraceSamples[0].TraceId);
    }

    [Fact]
    public void A_child_running_beside_the_critical_path_does_not_dominate_however_long_it_is()
    {
        const long Ms = 1_000_000;
        var traces = Enumerable.Range(1, 9).Select(i => Checkout((ulong)i, "globex", chargeMs: 5)).ToList();
        var root = Span(Gateway, 1, 0, "POST /api/orders", 0, 1000 * Ms, SpanKind.Server);
        var onPath = Span(Orders, 2, 1, "POST /orders", 10 * Ms, 990 * Ms, SpanKind.Server);
        var beside = Span(Payments, 3, 1, "background", 20 * Ms, 900 * Ms, SpanKind.Server);
        traces.Add(new List<SpanRecord> { root, onPath, beside }.Select(s => s with { TraceId = new TraceId(0, 99) }).ToList());

        var report = Analyze(traces, latency: true);

        Assert.Equal("orders", report.Cause!.Service);
        Assert.DoesNotContain(report.DominantOperations, o => o.Service == "payments");
    }

    [Fact]
    public void Errors_originate_in_the_deepest_error_span_whose_children_are_not_in_error()
    {
        var traces = Enumerable.Range(1, 6).Select(i => Checkout((ulong)i, "globex", chargeMs: 5)).ToList();
        traces.AddRange(Enumerable.Range(7, 4).Select(i => Checkout((ulong)i, "acme", chargeMs: 5, failCharge: true)));

        var report = Analyze(traces);

        Assert.Equal(4, report.ErrorTraces);
        var origin = report.ErrorOrigins[0];
        Assert.Equal(("payments", Charge, Charge, 4), (origin.Service, origin.Operation, origin.Span, origin.Traces));
        Assert.Equal("injected fault", origin.StatusMessage);
        // The callers' spans are in error too, but each has a child in error: none is an origin.
        Assert.Single(report.ErrorOrigins);
        Assert.Equal(("payments", Charge, RcaCause.Errors), (report.Cause!.Service, report.Cause.Operation, report.Cause.Kind));
    }

    [Fact]
    public void Attributes_common_to_bad_traces_are_ranked_by_lift_over_all_traces()
    {
        var traces = Enumerable.Range(1, 10).Select(i => Checkout((ulong)i, i % 2 == 0 ? "globex" : "acme", chargeMs: 5, failCharge: i is 1 or 3 or 5)).ToList();

        var report = Analyze(traces);

        var tenant = Assert.Single(report.CommonAttributes, a => a.Key == "tenant.id");
        Assert.Equal(("acme", 3, 5), (tenant.Value, tenant.BadTraces, tenant.AllTraces));
        Assert.True(tenant.Lift > 1.5, $"lift {tenant.Lift}");
        // On every trace, so no lift: rpc.method says nothing about what went wrong.
        Assert.DoesNotContain(report.CommonAttributes, a => a.Key == "rpc.method");
        Assert.DoesNotContain(report.CommonAttributes, a => a.Value == "globex");
        Assert.Contains("payments", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_traces_the_report_says_so_and_names_no_cause()
    {
        var report = Analyze([]);

        Assert.Null(report.Cause);
        Assert.Equal(0, report.Traces);
        Assert.Contains("No traces", report.Summary, StringComparison.Ordinal);
    }

    private static RcaReport Analyze(List<List<SpanRecord>> traces, bool latency = false) =>
        RootCauseAnalysis.Analyze(new RcaRequest("gateway", 0, 10_000_000_000, latency), traces.Cast<IReadOnlyList<SpanRecord>>().ToList(), Now);

    [Fact]
    public void Answers_caused_by_the_client_are_not_faults_and_a_start_up_migration_is_no_slow_trace()
    {
        const long Ms = 1_000_000;
        var traces = Enumerable.Range(1, 8).Select(i => Checkout((ulong)i, "globex", chargeMs: 5)).ToList();
        // A 404 from users for an unknown user: the gateway's client span is in error (semconv), the request was wrong.
        traces.Add(Tagged(9, Span(Gateway, 1, 0, "POST /api/orders", 0, 10 * Ms, SpanKind.Server), StoredAttribute.Int(TelemetryAttributes.HttpResponseStatusCode, 404)));
        traces[^1].Add(Span(Gateway, 2, 1, "GET", 2 * Ms, 8 * Ms, SpanKind.Client, error: true) with
        {
            TraceId = traces[^1][0].TraceId,
            Attributes = [StoredAttribute.Int(TelemetryAttributes.HttpResponseStatusCode, 404)],
        });
        // A payment refused for the caller's reason (FAILED_PRECONDITION): the orders client span is in error, no fault.
        traces.Add(Tagged(10, Span(Orders, 3, 0, Charge, 0, 5 * Ms, SpanKind.Client, error: true),
            StoredAttribute.String(TelemetryAttributes.RpcResponseStatusCode, "FAILED_PRECONDITION")));
        // A call to a method payments does not serve: UNIMPLEMENTED with rpc.method _OTHER is the caller's mistake.
        traces.Add(Tagged(12, Span(Payments, 5, 0, "grpc", 0, 1 * Ms, SpanKind.Server, error: true),
            StoredAttribute.String(TelemetryAttributes.RpcResponseStatusCode, "UNIMPLEMENTED"), StoredAttribute.String(TelemetryAttributes.RpcMethod, RpcStatusCodes.OtherMethod)));
        // orders' start-up migration: long, in its own trace, from the Shop.Data source.
        traces.Add(Tagged(11, Span(Orders, 4, 0, "migrate OrdersDbContext", 0, 3000 * Ms, SpanKind.Internal) with { Scope = new SpanScope(TelemetrySources.Data, "") }));

        var report = Analyze(traces);

        Assert.Equal(11, report.Traces); // the migration's trace is left out
        Assert.Equal(0, report.ErrorTraces);
        Assert.Empty(report.ErrorOrigins);
        Assert.DoesNotContain(report.DominantOperations, o => o.Operation.StartsWith("migrate", StringComparison.Ordinal));

        // The same client span on a 503 is a fault, and so are UNAVAILABLE and UNIMPLEMENTED for a method it serves.
        traces[8][1] = traces[8][1] with { Attributes = [StoredAttribute.Int(TelemetryAttributes.HttpResponseStatusCode, 503)] };
        traces[9][0] = traces[9][0] with { Attributes = [StoredAttribute.String(TelemetryAttributes.RpcResponseStatusCode, "UNAVAILABLE")] };
        traces[10][0] = traces[10][0] with
        {
            Attributes = [StoredAttribute.String(TelemetryAttributes.RpcResponseStatusCode, "UNIMPLEMENTED"), StoredAttribute.String(TelemetryAttributes.RpcMethod, "shop.payments.v1.Payments/Charge")],
        };
        Assert.Equal(3, Analyze(traces).ErrorTraces);
    }

    private static List<SpanRecord> Tagged(ulong trace, SpanRecord span, params StoredAttribute[] attributes) =>
        [span with { TraceId = new TraceId(0, trace), Attributes = attributes }];

    /// <summary>gateway POST /api/orders → orders POST /orders → orders Charge client → payments Charge server (→ an optional child).</summary>
    private static List<SpanRecord> Checkout(ulong trace, string tenant, long chargeMs, string? slowChild = null, bool failCharge = false)
    {
        const long Ms = 1_000_000;
        var start = (long)trace * 10_000 * Ms;
        var charge = chargeMs * Ms;
        var spans = new List<SpanRecord>
        {
            Span(Gateway, 1, 0, "POST /api/orders", start, start + charge + (20 * Ms), SpanKind.Server, failCharge),
            Span(Orders, 2, 1, "POST /orders", start + (2 * Ms), start + charge + (18 * Ms), SpanKind.Server, failCharge),
            Span(Orders, 3, 2, Charge, start + (5 * Ms), start + charge + (15 * Ms), SpanKind.Client, failCharge),
            Span(Payments, 4, 3, Charge, start + (6 * Ms), start + charge + (14 * Ms), SpanKind.Server, failCharge),
        };
        if (slowChild is not null)
        {
            spans.Add(Span(Payments, 5, 4, slowChild, start + (7 * Ms), start + charge + (7 * Ms), SpanKind.Internal));
        }

        return spans.Select(s => s with
        {
            TraceId = new TraceId(0, trace),
            Attributes = [StoredAttribute.String("tenant.id", tenant), StoredAttribute.String("rpc.method", "Charge"), StoredAttribute.String("order.id", $"order-{trace}")],
        }).ToList();
    }

    private static SpanRecord Span(SpanProcess process, ulong id, ulong parent, string name, long start, long end, SpanKind kind, bool error = false) => new()
    {
        SpanId = id,
        ParentSpanId = parent,
        StartUnixNano = start,
        EndUnixNano = end,
        Name = name,
        Process = process,
        Scope = SpanScope.None,
        Attributes = [],
        Kind = kind,
        Status = error ? StatusCode.Error : StatusCode.Unset,
        Details = error && process == Payments ? new SpanDetails { StatusMessage = "injected fault" } : null,
    };
}
