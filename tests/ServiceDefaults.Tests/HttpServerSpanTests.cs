using System.Net;
using System.Text.Json;
using Shop.Conventions;
using Shop.Otlp.Trace.V1;
using Shop.Testing;

namespace Shop.ServiceDefaults.Tests;

public sealed class HttpServerSpanTests : IAsyncLifetime
{
    private OtlpReceiver _receiver = null!;
    private ServiceProcess _service = null!;

    public async Task InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        _service = await TestServiceHost.StartAsync(TestServiceHost.Exporting(_receiver));
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Request_span_is_named_after_the_route_and_carries_http_semantic_convention_attributes()
    {
        var (response, traceId) = await _service.SendTraced(HttpMethod.Get, "/items/42");
        response.EnsureSuccessStatusCode();

        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();

        Assert.Equal("GET /items/{id}", span.Name);
        Assert.Equal(Span.Types.SpanKind.Server, span.Kind);
        Assert.Equal("GET", span[TelemetryAttributes.HttpRequestMethod]);
        Assert.Equal("/items/{id}", span[TelemetryAttributes.HttpRoute]);
        Assert.Equal("/items/42", span[TelemetryAttributes.UrlPath]);
        Assert.Equal("http", span[TelemetryAttributes.UrlScheme]);
        Assert.Equal(200L, span[TelemetryAttributes.HttpResponseStatusCode]);
        Assert.Null(span[TelemetryAttributes.ErrorType]);
        Assert.Equal(Status.Types.StatusCode.Unset, span.Span.Status?.Code ?? Status.Types.StatusCode.Unset);
        Assert.Equal(TelemetrySources.AspNetCore, span.Scope);
    }

    [Fact]
    public async Task Health_and_liveness_requests_produce_no_spans()
    {
        var (ready, readyTrace) = await _service.SendTraced(HttpMethod.Get, HealthPaths.Ready);
        var (alive, aliveTrace) = await _service.SendTraced(HttpMethod.Get, HealthPaths.Alive);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);

        // Spans are exported in order: once a later request's span is in, the health spans would be too.
        var (_, laterTrace) = await _service.SendTraced(HttpMethod.Get, "/items/1");
        await _receiver.WaitForSpans(s => s.TraceId == laterTrace);

        Assert.DoesNotContain(_receiver.Spans, s => s.TraceId == readyTrace || s.TraceId == aliveTrace);
        Assert.DoesNotContain(_receiver.Spans, s => s.Attributes.ContainsKey(TelemetryAttributes.UrlPath)
            && HealthPaths.IsUntraced(s[TelemetryAttributes.UrlPath] as string));
    }

    [Fact]
    public async Task Unhandled_exception_answers_500_problem_details_without_stack_trace_and_marks_the_span_failed()
    {
        var (response, traceId) = await _service.SendTraced(HttpMethod.Get, "/boom");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(traceId, problem.RootElement.GetProperty("traceId").GetString());
        Assert.DoesNotContain("secret detail", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);

        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();
        Assert.Equal("GET /boom", span.Name);
        Assert.Equal(500L, span[TelemetryAttributes.HttpResponseStatusCode]);
        Assert.Equal(Status.Types.StatusCode.Error, span.Span.Status.Code);
        Assert.Equal(nameof(InvalidOperationException), span.Span.Status.Message);
        Assert.Equal(typeof(InvalidOperationException).FullName, span[TelemetryAttributes.ErrorType]);
        var exception = Assert.Single(span.Span.Events, e => e.Name == TelemetryAttributes.ExceptionEventName);
        var attributes = Shop.Otlp.OtlpValues.ToDictionary(exception.Attributes);
        Assert.Equal(typeof(InvalidOperationException).FullName, attributes[TelemetryAttributes.ExceptionType]);
        Assert.Contains("secret detail", attributes[TelemetryAttributes.ExceptionMessage] as string, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(503, true)]
    [InlineData(500, true)]
    [InlineData(404, false)]
    [InlineData(400, false)]
    public async Task Server_errors_mark_the_span_failed_and_client_errors_do_not(int status, bool failed)
    {
        var (response, traceId) = await _service.SendTraced(HttpMethod.Get, $"/status/{status}");
        Assert.Equal(status, (int)response.StatusCode);

        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();
        Assert.Equal((long)status, span[TelemetryAttributes.HttpResponseStatusCode]);
        Assert.Equal(failed ? Status.Types.StatusCode.Error : Status.Types.StatusCode.Unset, span.Span.Status?.Code ?? Status.Types.StatusCode.Unset);
        Assert.Equal(failed ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : null, span[TelemetryAttributes.ErrorType]);
    }

    [Fact]
    public async Task Unmatched_request_is_named_after_its_method_only()
    {
        var (response, traceId) = await _service.SendTraced(HttpMethod.Get, "/no/such/route");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();
        Assert.Equal("GET", span.Name);
        Assert.Null(span[TelemetryAttributes.HttpRoute]);
    }

    [Fact]
    public async Task Traceresponse_header_names_the_trace_and_the_server_span()
    {
        var (response, traceId) = await _service.SendTraced(HttpMethod.Get, "/items/7");

        var header = Assert.Single(response.Headers.GetValues(ShopHeaders.TraceResponse));
        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();
        Assert.Equal($"00-{traceId}-{span.SpanId}-01", header);
    }

    [Fact]
    public async Task Outgoing_call_is_a_client_span_that_parents_the_next_server_span_and_carries_baggage()
    {
        var (response, traceId) = await _service.SendTraced(HttpMethod.Get, "/relay/5");
        response.EnsureSuccessStatusCode();
        Assert.Contains("relay-tenant", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var spans = await _receiver.WaitForSpans(s => s.TraceId == traceId, count: 3);
        var outer = Assert.Single(spans, s => s.Name == "GET /relay/{id}");
        var client = Assert.Single(spans, s => s.Kind == Span.Types.SpanKind.Client);
        var inner = Assert.Single(spans, s => s.Name == "GET /items/{id}");
        Assert.Equal(TelemetrySources.HttpClient, client.Scope);
        Assert.Equal(outer.SpanId, client.ParentSpanId);
        Assert.Equal(client.SpanId, inner.ParentSpanId);
        Assert.All(spans, s => Assert.Equal("relay-tenant", s[TelemetryAttributes.TenantId]));
    }

    [Fact]
    public async Task Baggage_from_callers_is_kept_by_internal_services_and_only_the_suite_keys_become_attributes()
    {
        var (response, traceId) = await _service.SendTraced(HttpMethod.Get, "/items/3",
            r => r.Headers.Add("baggage", "tenant.id=acme,order.id=o-1,color=blue"));

        Assert.Contains("acme", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var span = (await _receiver.WaitForSpans(s => s.TraceId == traceId)).Single();
        Assert.Equal("acme", span[TelemetryAttributes.TenantId]);
        Assert.Equal("o-1", span[TelemetryAttributes.OrderId]);
        Assert.Null(span["color"]);
    }
}
