using System.Text.Json;
using Shop.Workshop.Check;
using Shop.Workshop.Check.Modules;

namespace Shop.Workshop.Tests;

/// <summary>What the checks conclude from the answers they read, without a suite: recorded shapes of each API.</summary>
public sealed class CheckLogicTests
{
    // A checkout as the Shop dashboard's Jaeger API answers it, cut down: gateway → orders → payments, one INSERT.
    private const string JaegerCheckout = """
        {"data":[{"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","processes":{"p1":{"serviceName":"gateway"},"p2":{"serviceName":"orders"},"p3":{"serviceName":"payments"}},
          "spans":[
            {"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"a1","operationName":"POST /api/orders","references":[],"processID":"p1",
             "tags":[{"key":"span.kind","type":"string","value":"server"},{"key":"http.route","type":"string","value":"/api/orders"}]},
            {"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"b1","operationName":"POST /orders","references":[{"refType":"CHILD_OF","traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"a1"}],"processID":"p2",
             "tags":[{"key":"span.kind","type":"string","value":"server"},{"key":"order.line_count","type":"int64","value":7}]},
            {"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"b2","operationName":"INSERT orders","references":[{"refType":"CHILD_OF","traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"b1"}],"processID":"p2",
             "tags":[{"key":"span.kind","type":"string","value":"client"},{"key":"db.system.name","type":"string","value":"postgresql"}]},
            {"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"b3","operationName":"shop.payments.v1.PaymentsService/Charge","references":[{"refType":"CHILD_OF","traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"b1"}],"processID":"p2",
             "tags":[{"key":"span.kind","type":"string","value":"client"},{"key":"rpc.system.name","type":"string","value":"grpc"}]},
            {"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"c1","operationName":"shop.payments.v1.PaymentsService/Charge","references":[{"refType":"CHILD_OF","traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"b3"}],"processID":"p3",
             "tags":[{"key":"span.kind","type":"string","value":"server"},{"key":"otel.status_code","type":"string","value":"ERROR"}]}
          ]}]}
        """;

    // The same trace's gateway and orders spans as the Aspire dashboard's telemetry API answers (OTLP JSON).
    private const string OtlpCheckout = """
        {"data":{"resourceSpans":[
          {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gateway"}}]},
           "scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"a1","name":"POST /api/orders","kind":2,"attributes":[]}]}]},
          {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"orders"}}]},
           "scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"b2","parentSpanId":"b1","name":"INSERT orders","kind":3,
             "attributes":[{"key":"db.system.name","value":{"stringValue":"postgresql"}},{"key":"order.line_count","value":{"intValue":"7"}}],"status":{"code":2}}]}]}
        ]}}
        """;

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Jaeger_spans_carry_service_parent_kind_tags_and_error()
    {
        var spans = TraceSpans.FromJaeger(Json(JaegerCheckout));

        Assert.Equal(5, spans.Count);
        var charge = spans.Single(s => s.SpanId == "c1");
        Assert.Equal(("payments", "b3", "server", true), (charge.Service, charge.ParentSpanId, charge.Kind, charge.Error));
        Assert.Equal("7", spans.Single(s => s.SpanId == "b1").Attribute("order.line_count"));
        Assert.True(spans.Single(s => s.SpanId == "b2").IsDatabase);
        Assert.True(spans.Single(s => s.SpanId == "b3").IsGrpc);
        Assert.True(charge.TraceMatches("4BF92F3577B34DA6A3CE929D0E0E4736"));
    }

    [Fact]
    public void Otlp_json_spans_take_the_service_from_the_resource()
    {
        var spans = TraceSpans.FromOtlpJson(Json(OtlpCheckout));

        Assert.Equal(["gateway", "orders"], spans.Select(s => s.Service));
        var insert = spans[1];
        Assert.Equal(("b1", "client", true, true, "7"), (insert.ParentSpanId, insert.Kind, insert.IsDatabase, insert.Error, insert.Attribute("order.line_count")));
        Assert.Null(spans[0].ParentSpanId);
    }

    [Fact]
    public void A_checkout_trace_without_payments_names_payments_as_missing()
    {
        var report = new CheckReport();

        CheckoutTraceCheck.Judge("the Aspire dashboard", "url", TraceSpans.FromOtlpJson(Json(OtlpCheckout)), report);

        Assert.Equal(["the Aspire dashboard: no span of payments in the trace"], report.Missing);
        Assert.Equal(4, report.Passed.Count);
    }

    [Fact]
    public void A_trace_the_dashboard_does_not_have_is_one_missing_line()
    {
        var report = new CheckReport();

        CheckoutTraceCheck.Judge("the Shop dashboard", "http://127.0.0.1:16686/api/traces/1", [], report);

        Assert.StartsWith("the Shop dashboard has no trace with this id", Assert.Single(report.Missing), StringComparison.Ordinal);
    }

    [Fact]
    public void Report_exit_code_is_zero_only_when_something_passed_and_nothing_is_missing()
    {
        var empty = new CheckReport();
        var passed = new CheckReport();
        passed.Pass("a");
        var failed = new CheckReport();
        failed.Pass("a");
        failed.Miss("b");

        using var output = new StringWriter();
        Assert.Equal(1, empty.Print(1, output));
        Assert.Equal(0, passed.Print(1, output));
        Assert.Equal(1, failed.Print(1, output));
        Assert.EndsWith("missing: b\nModule 1: 1 thing missing (the lines starting with 'missing:').\n", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "1", "abc" }, 1, "abc")]
    [InlineData(new[] { "4", "--wait", "5" }, 4, null)]
    [InlineData(new[] { "--endpoints", "e.json", "6" }, 6, null)]
    public void Command_lines_that_name_a_module(string[] args, int module, string? argument)
    {
        var options = CheckOptions.Parse(args);

        Assert.NotNull(options);
        Assert.Equal((module, argument), (options.Module, options.Argument));
    }

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("one")]
    [InlineData("1 a b")]
    [InlineData("1 --verbose")]
    public void Command_lines_that_do_not_are_refused(string commandLine) =>
        Assert.Null(CheckOptions.Parse(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)));

    [Fact]
    public void Endpoints_json_gives_every_address_the_checks_use()
    {
        var endpoints = SuiteEndpoints.Parse("""
            {"gateway":"http://localhost:5080","dashboard":"http://localhost:16686","services":{"payments":{"http":"http://localhost:5102","grpc":"http://localhost:40001"}},
             "prometheus":"http://localhost:9090","alertmanager":"http://localhost:9093","paymentsAdminToken":"t","aspire":{"dashboard":"http://localhost:18888","apiKey":"k"}}
            """);

        Assert.Equal(new Uri("http://localhost:5102"), endpoints.Services["payments"]);
        Assert.Equal(("t", "k", 9090, 9093, 18888), (endpoints.PaymentsAdminToken, endpoints.AspireApiKey, endpoints.Prometheus!.Port, endpoints.Alertmanager!.Port, endpoints.AspireDashboard!.Port));
    }

    [Fact]
    public void Endpoints_json_without_a_gateway_says_so()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{"dashboard":"http://localhost:16686"}""");
            var error = Assert.Throws<EndpointsException>(() => SuiteEndpoints.Read(path));
            Assert.Contains("no \"gateway\" URL", error.Message, StringComparison.Ordinal);
            Assert.Contains("does not exist: start the suite", Assert.Throws<EndpointsException>(() => SuiteEndpoints.Read(path + ".missing")).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Only_active_budget_burn_alerts_of_payments_count()
    {
        var alerts = Json("""
            [{"labels":{"alertname":"ErrorBudgetBurn","service":"payments","slo":"payments-availability","severity":"page"},"status":{"state":"active"}},
             {"labels":{"alertname":"ErrorBudgetBurn","service":"payments","slo":"payments-availability","severity":"ticket"},"status":{"state":"suppressed"}},
             {"labels":{"alertname":"ErrorBudgetBurn","service":"gateway","slo":"checkout-availability","severity":"page"},"status":{"state":"active"}},
             {"labels":{"alertname":"Watchdog","service":"payments"},"status":{"state":"active"}}]
            """);

        Assert.Equal(["payments-availability (page)"], FaultAlertCheck.FiringSloAlerts(alerts, "payments"));
    }

    [Fact]
    public void Root_causes_are_read_from_analysed_alerts_only()
    {
        var answer = Json("""
            {"data":[{"id":"1","report":{"cause":{"service":"payments","operation":"shop.payments.v1.PaymentsService/Charge"}}},{"id":"2","report":null},{"id":"3","report":{"cause":null}}]}
            """);

        Assert.Equal([("payments", "shop.payments.v1.PaymentsService/Charge")], FaultAlertCheck.ReportedCauses(answer));
    }

    [Theory]
    [InlineData("""public const string OrderLineCount = "order.line_count";""", true)]
    [InlineData("""public const string OrderLineCount="order.line_count";""", true)]
    [InlineData("""public const string OrderLines = "order.line_count";""", false)]
    [InlineData("""public const string OrderLineCount = "order.lines";""", false)]
    public void The_attribute_key_must_be_a_constant_of_its_own(string source, bool defined) =>
        Assert.Equal(defined, BusinessAttributeCheck.DefinesConstant(source));

    [Fact]
    public void Loaded_rules_are_told_apart_by_type_and_slo_label()
    {
        var answer = Json("""
            {"status":"success","data":{"groups":[
              {"name":"slo-outbox-delay","rules":[
                {"name":"slo:sli_error:ratio_rate5m","type":"recording","labels":{"slo":"outbox-delay","service":"orders"}},
                {"name":"slo:sli_error:ratio_rate1h","type":"recording","labels":{"slo":"outbox-delay","service":"orders"}},
                {"name":"ErrorBudgetBurn","type":"alerting","labels":{"slo":"outbox-delay","severity":"page"}}]},
              {"name":"slo-payments-availability","rules":[{"name":"slo:sli_error:ratio_rate5m","type":"recording","labels":{"slo":"payments-availability"}}]}]}}
            """);

        var (records, alerts) = CustomMetricCheck.LoadedRules(answer, "outbox-delay");

        Assert.Equal(["slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate1h"], records);
        Assert.Equal(["ErrorBudgetBurn"], alerts);
    }

    [Fact]
    public void A_grpc_call_from_orders_is_a_client_span_of_orders_parent_of_a_server_span_of_the_service()
    {
        var spans = TraceSpans.FromJaeger(Json(JaegerCheckout));

        var call = NewServiceCheck.FindCall(spans, "payments");

        Assert.Equal(("b3", "c1"), (call?.Client.SpanId, call?.Server.SpanId));
        Assert.Null(NewServiceCheck.FindCall(spans, "inventory"));
        Assert.Null(NewServiceCheck.FindCall(spans.Where(s => s.SpanId != "b3").ToList(), "payments")); // a server span alone is no call from orders
    }

    [Fact]
    public void Answer_file_lines_are_read_by_their_names()
    {
        Assert.Equal(("orders INSERT orders", "db_client_operation_duration_seconds"),
            SlowestHopCheck.ParseAnswer("# module 6\nhop: orders INSERT orders\n\nmetric:db_client_operation_duration_seconds\n"));
        Assert.Equal((null, null), SlowestHopCheck.ParseAnswer("the database\n"));
    }

    [Fact]
    public void Only_successful_checkouts_of_the_trace_log_are_sampled()
    {
        string[] log =
        [
            """{"traceId":"t1","scenario":"checkout","outcome":"201","status":201,"latencyMs":12.5}""",
            """{"traceId":"t2","scenario":"read-order","outcome":"200","status":200,"latencyMs":2.1}""",
            """{"traceId":"t3","scenario":"checkout","outcome":"HTTP 502","status":502,"latencyMs":40}""",
            "",
        ];

        Assert.Equal(["t1"], SlowestHopCheck.CheckoutTraces(log));
    }

    [Fact]
    public void Self_times_add_up_per_hop_and_each_hop_has_its_semantic_convention_histogram()
    {
        var spans = TraceSpans.FromJaeger(Json(JaegerCheckout));
        var totals = new Dictionary<string, (long Micros, TraceSpan Span)>(StringComparer.OrdinalIgnoreCase);

        SlowestHopCheck.AddSelfTimes(totals, spans, Json("""{"data":{"selfTime":{"a1":100,"b1":50,"b2":3000,"c1":700}}}"""));
        SlowestHopCheck.AddSelfTimes(totals, spans, Json("""{"data":{"selfTime":{"b2":1000,"unknown":99999}}}"""));

        Assert.Equal(4000, totals["orders INSERT orders"].Micros);
        Assert.Equal(4, totals.Count);
        Assert.Equal(
            ["http_server_request_duration_seconds", "http_server_request_duration_seconds", "db_client_operation_duration_seconds", "rpc_client_call_duration_seconds", "http_server_request_duration_seconds"],
            spans.Select(SlowestHopCheck.MetricOf));
    }
}
