using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shop.Conventions;
using Shop.Orders.Checkout;
using Shop.Otlp.Trace.V1;
using Shop.Testing;

namespace Shop.Orders.Tests;

public sealed class CheckoutTests(CheckoutServices stack) : IClassFixture<CheckoutServices>
{
    [Fact]
    public async Task Placing_an_order_charges_it_and_answers_201_Paid_with_the_totals_computed_by_the_server()
    {
        var userId = Guid.NewGuid();
        var body = new
        {
            userId,
            currency = "EUR",
            lines = new[] { new { sku = "BOOK-1", quantity = 2, unitPriceMinor = 1250L }, new { sku = "pen_blue.2", quantity = 3, unitPriceMinor = 199L } },
        };

        var (response, _) = await stack.PlaceOrderAsync(body, "key-1", tenant: "acme");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(
            ["id", "userId", "tenantId", "status", "currency", "totalMinor", "lines", "paymentId", "failureReason", "createdAt", "updatedAt"],
            json.EnumerateObject().Select(p => p.Name));
        var order = json.Deserialize<OrderResponse>(JsonSerializerOptions.Web)!;
        Assert.Equal($"/orders/{order.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal((userId, "acme", "Paid", "EUR", 2500L + 597L), (order.UserId, order.TenantId, order.Status, order.Currency, order.TotalMinor));
        Assert.Equal([new("BOOK-1", 2, 1250, 2500), new("pen_blue.2", 3, 199, 597)], order.Lines);
        Assert.NotNull(order.PaymentId);
        Assert.Null(order.FailureReason);
        Assert.False(response.Headers.Contains(ShopHeaders.IdempotencyReplayed));
        Assert.Equivalent(order, await stack.GetOrderAsync(order.Id), strict: true);
        Assert.Equal(1, await stack.PaymentRowsAsync(order.Id));
    }

    [Fact]
    public async Task Decline_marks_the_order_PaymentFailed_without_retrying()
    {
        var (response, traceId) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid(), unitPriceMinor: 600_000), "key-decline");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var order = (await response.Content.ReadFromJsonAsync<OrderResponse>())!;
        Assert.Equal(("PaymentFailed", "amount exceeds limit"), (order.Status, order.FailureReason));
        Assert.NotNull(order.PaymentId);
        var charges = await stack.Telemetry.WaitForSpans(s => s.TraceId == traceId && s.Kind == Span.Types.SpanKind.Client
            && s.Name == "shop.payments.v1.PaymentsService/Charge");
        Assert.Single(charges);
    }

    [Fact]
    public async Task Duplicate_idempotency_key_returns_the_same_order_and_charges_once()
    {
        var body = CheckoutServices.Body(Guid.NewGuid());
        var (first, _) = await stack.PlaceOrderAsync(body, "key-dup");
        var created = (await first.Content.ReadFromJsonAsync<OrderResponse>())!;

        var (again, _) = await stack.PlaceOrderAsync(body, "key-dup");

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues(ShopHeaders.IdempotencyReplayed).Single());
        Assert.Equivalent(created, await again.Content.ReadFromJsonAsync<OrderResponse>(), strict: true);
        Assert.Equal(1, await stack.PaymentRowsAsync(created.Id));
    }

    [Fact]
    public async Task Concurrent_duplicates_of_a_new_order_create_one_order_and_one_charge()
    {
        var body = CheckoutServices.Body(Guid.NewGuid());

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => stack.PlaceOrderAsync(body, "key-race")));

        var orders = await Task.WhenAll(responses.Select(r => r.Response.Content.ReadFromJsonAsync<OrderResponse>()));
        var id = Assert.Single(orders.Select(o => o!.Id).Distinct());
        Assert.All(responses, r => Assert.True(r.Response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted));
        Assert.Equal(7, responses.Count(r => r.Response.Headers.Contains(ShopHeaders.IdempotencyReplayed)));
        Assert.Equal("Paid", (await stack.WaitForStatusAsync(id, "Paid")).Status);
        Assert.Equal(1, await stack.PaymentRowsAsync(id));
        Assert.DoesNotContain(stack.Orders.Output, line => line.Contains(" fail ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_and_keys_are_scoped_per_user()
    {
        var userId = Guid.NewGuid();
        await stack.PlaceOrderAsync(CheckoutServices.Body(userId, quantity: 1), "key-scope");

        var (changed, _) = await stack.PlaceOrderAsync(CheckoutServices.Body(userId, quantity: 2), "key-scope");
        var (otherUser, _) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid(), quantity: 2), "key-scope");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, changed.StatusCode);
        Assert.Equal("application/problem+json", changed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Created, otherUser.StatusCode);
        Assert.False(otherUser.Headers.Contains(ShopHeaders.IdempotencyReplayed));
    }

    [Fact]
    public async Task Validation_errors_are_a_400_naming_each_field()
    {
        var body = new
        {
            userId = "not-a-uuid",
            currency = "eur",
            lines = new object[]
            {
                new { sku = "BAD SKU!", quantity = 0, unitPriceMinor = 100 },
                new { sku = new string('S', 65), quantity = 1001, unitPriceMinor = 100_000_001 },
                new { sku = "OK-1", quantity = 1, unitPriceMinor = 1 },
            },
        };

        var (response, _) = await stack.PlaceOrderAsync(body, idempotencyKey: null);
        var (noLines, _) = await stack.PlaceOrderAsync(new { userId = Guid.NewGuid(), currency = "EUR", lines = Array.Empty<object>() }, "k");
        var (tooLongKey, _) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid()), new string('k', 201));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            ["Idempotency-Key", "currency", "lines[0].quantity", "lines[0].sku", "lines[1].quantity", "lines[1].sku", "lines[1].unitPriceMinor", "userId"],
            (await ErrorKeys(response)).Order(StringComparer.Ordinal));
        Assert.Equal(["lines"], await ErrorKeys(noLines));
        Assert.Equal(["Idempotency-Key"], await ErrorKeys(tooLongKey));
    }

    [Fact]
    public async Task Unreadable_bodies_are_a_400_ProblemDetails()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new StringContent("{\"userId\":", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add(ShopHeaders.IdempotencyKey, "k");

        using var response = await stack.Orders.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Orders_are_read_by_id_and_listed_per_user_newest_first()
    {
        var userId = Guid.NewGuid();
        var ids = new List<Guid>();
        foreach (var key in new[] { "list-1", "list-2", "list-3" })
        {
            ids.Add((await (await stack.PlaceOrderAsync(CheckoutServices.Body(userId), key)).Response.Content.ReadFromJsonAsync<OrderResponse>())!.Id);
        }

        var listed = await stack.Orders.Http.GetFromJsonAsync<List<OrderResponse>>($"/orders?userId={userId}");
        using var missing = await stack.Orders.Http.GetAsync($"/orders/{Guid.NewGuid()}");
        using var noUser = await stack.Orders.Http.GetAsync("/orders");
        using var badUser = await stack.Orders.Http.GetAsync("/orders?userId=42");

        Assert.Equal(Enumerable.Reverse(ids), listed!.Select(o => o.Id));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["userId"], await ErrorKeys(noUser));
        Assert.Equal(["userId"], await ErrorKeys(badUser));
    }

    [Fact]
    public async Task A_checkout_is_one_trace_across_orders_and_payments_with_tenant_and_order_ids_on_every_span()
    {
        var (response, traceId) = await stack.PlaceOrderAsync(CheckoutServices.Body(Guid.NewGuid()), "key-trace", tenant: "globex");
        var order = (await response.Content.ReadFromJsonAsync<OrderResponse>())!;

        // The orders server span ends last in orders; payments exports on its own.
        var spans = await stack.Telemetry.WaitFor(r => r.Spans.Where(s => s.TraceId == traceId).ToList() is var trace
            && trace.Any(s => s.Name == "POST /orders") && trace.Any(s => s.ServiceName == "payments" && s.Kind == Span.Types.SpanKind.Server) ? trace : null);
        var server = Assert.Single(spans, s => s.Name == "POST /orders");
        // A loaded machine can make the first attempt outlive its deadline: every attempt is a client span of its own,
        // and the charge is still one (by its idempotency key). So the shape is asserted for each attempt.
        var clients = spans.Where(s => s.Name == "shop.payments.v1.PaymentsService/Charge" && s.Kind == Span.Types.SpanKind.Client)
            .OrderBy(s => s.Span.StartTimeUnixNano).ToList();
        var paymentsServers = spans.Where(s => s.Name == "shop.payments.v1.PaymentsService/Charge" && s.Kind == Span.Types.SpanKind.Server).ToList();
        Assert.NotEmpty(clients);
        Assert.All(clients, c => Assert.Equal(server.SpanId, c.ParentSpanId));
        Assert.Equal(Status.Types.StatusCode.Unset, clients[^1].Span.Status?.Code ?? Status.Types.StatusCode.Unset);
        Assert.Contains(paymentsServers, p => p.ParentSpanId == clients[^1].SpanId);
        Assert.All(paymentsServers, p => Assert.Contains(clients, c => c.SpanId == p.ParentSpanId));
        Assert.All(spans, s => Assert.Equal("globex", s[TelemetryAttributes.TenantId]));
        // The order's INSERT is the first thing orders does (no lookup of the Idempotency-Key before it), and order.id is
        // known before it: every span carries it, the physical connection Npgsql may open (a CONNECT span) included.
        Assert.All(spans, s => Assert.Equal(order.Id.ToString(), s[TelemetryAttributes.OrderId]));

        // The database statements of one checkout (each a round trip): orders inserts the Pending order with its lines,
        // then stores Paid with its outbox row; payments inserts the payment; nothing is read first.
        var ordersStatements = Statements(spans, "orders");
        Assert.Equal(2, ordersStatements.Count);
        var (place, complete) = (Assert.IsType<string>(ordersStatements[0][TelemetryAttributes.DbQueryText]), Assert.IsType<string>(ordersStatements[1][TelemetryAttributes.DbQueryText]));
        Assert.StartsWith("INSERT INTO orders ", place, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO order_lines ", place, StringComparison.Ordinal);
        Assert.Contains("UPDATE orders ", complete, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO outbox_messages ", complete, StringComparison.Ordinal);
        // Each of those two is one batch, which PostgreSQL runs as one implicit transaction and commits (its log flushed to
        // the disk) before it answers: no COMMIT of EF Core's own, a round trip that used to follow each (src/Data/OneBatchSave.cs).
        Assert.DoesNotContain(spans, s => s.ServiceName == "orders" && s.Scope == TelemetrySources.Data);
        // Payments' one INSERT likewise: PostgreSQL commits it within the statement's own span.
        Assert.DoesNotContain(spans, s => s.ServiceName == "payments" && s.Scope == TelemetrySources.Data);
        // (An attempt that outlived its deadline leaves a repeat, which finds the payment stored: the charge that stored it is the one.)
        var charged = Assert.Single(paymentsServers, p => Equals(p[TelemetryAttributes.PaymentReplayed], false));
        var byId = spans.ToDictionary(s => s.SpanId);
        bool IsUnder(ReceivedSpan span, ReceivedSpan ancestor) =>
            span.ParentSpanId == ancestor.SpanId || (byId.TryGetValue(span.ParentSpanId, out var parent) && IsUnder(parent, ancestor));
        var charge = Assert.Single(Statements(spans, "payments"), s => IsUnder(s, charged));
        Assert.StartsWith("INSERT INTO payments ", Assert.IsType<string>(charge[TelemetryAttributes.DbQueryText]), StringComparison.Ordinal);
    }

    /// <summary>A service's database spans in start order, without the CONNECT spans of new physical connections.</summary>
    private static List<ReceivedSpan> Statements(IEnumerable<ReceivedSpan> spans, string service) =>
        [.. spans.Where(s => s.ServiceName == service && s.Scope == TelemetrySources.Npgsql && !s.Name.StartsWith("CONNECT ", StringComparison.Ordinal))
            .OrderBy(s => s.Span.StartTimeUnixNano)];

    private static async Task<IEnumerable<string>> ErrorKeys(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.TryGetProperty("traceId", out _));
        return problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
    }
}
