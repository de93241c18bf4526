using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shop.Conventions;
using Shop.Testing;

namespace Shop.EndToEnd.Tests;

/// <summary>What a client of the public API sees: answers, errors, idempotency, tenancy.</summary>
[Collection(SharedSuite.Name)]
public sealed class CheckoutBehaviourTests(SuiteFixture fixture)
{
    private ShopSuite Suite => fixture.Suite;

    [Fact]
    public async Task Declined_payment_marks_the_order_PaymentFailed_and_answers_a_402_problem()
    {
        var userId = await Suite.Http.RegisterUserAsync();

        // Payments declines charges above its limit (10 000.00 by default): 2 × 6000 + 3.20.
        using var response = await Suite.Http.SendAsync(Api.Checkout(userId, $"decline-{Guid.NewGuid():N}", unitPrice: 6000m));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Json();
        // One "status", the HTTP one (RFC 9457); the order's status is inside the order.
        Assert.Equal(402, problem.GetProperty("status").GetInt32());
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.3", problem.GetProperty("type").GetString());
        Assert.Equal("PaymentFailed", problem.GetProperty("order").GetProperty("status").GetString());
        Assert.Equal(Api.TraceIdOf(response), problem.GetProperty("traceId").GetString());
        var orderId = problem.GetProperty("orderId").GetString();

        var order = await Suite.Http.GetFromJsonAsync<JsonElement>($"/api/orders/{orderId}");
        Assert.Equal("PaymentFailed", order.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(order.GetProperty("failureReason").GetString()));
    }

    [Fact]
    public async Task Repeating_a_checkout_with_the_same_key_returns_the_same_order_and_charges_once()
    {
        var userId = await Suite.Http.RegisterUserAsync();
        var key = $"repeat-{Guid.NewGuid():N}";

        using var first = await Suite.Http.SendAsync(Api.Checkout(userId, key));
        var again = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Suite.Http.SendAsync(Api.Checkout(userId, key))));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var orderId = (await first.Json()).GetProperty("id").GetString();
        foreach (var response in again)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal(orderId, (await response.Json()).GetProperty("id").GetString());
            Assert.Equal("true", response.Headers.GetValues("Idempotency-Replayed").Single());
            response.Dispose();
        }

        Assert.Equal(1, await Suite.CountPaymentsAsync(orderId!));
        var orders = await Suite.Http.GetFromJsonAsync<JsonElement>($"/api/users/{userId}/orders");
        Assert.Equal(1, orders.GetArrayLength());
    }

    [Fact]
    public async Task Same_key_for_a_different_checkout_is_refused_with_422()
    {
        var userId = await Suite.Http.RegisterUserAsync();
        var key = $"reuse-{Guid.NewGuid():N}";
        using var first = await Suite.Http.SendAsync(Api.Checkout(userId, key));

        using var second = await Suite.Http.SendAsync(Api.Checkout(userId, key, unitPrice: 99m));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_user_is_a_404_problem()
    {
        using var response = await Suite.Http.SendAsync(Api.Checkout(Guid.NewGuid().ToString(), $"nouser-{Guid.NewGuid():N}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Json();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal(Api.TraceIdOf(response), problem.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task A_users_second_checkout_does_not_ask_users_again_but_an_unknown_user_is_asked_every_time()
    {
        // Counted where users records them, by answer (a retried attempt after a timeout answers neither OK nor NOT_FOUND).
        async Task<(long Found, long NotFound)> GetUserCalls()
        {
            const string prefix = "rpc_server_call_duration_seconds_count{";
            var lines = (await Suite[ShopSuite.Users].Http.GetStringAsync(HealthPaths.Metrics)).Split('\n')
                .Where(line => line.StartsWith(prefix, StringComparison.Ordinal) && line.Contains("rpc_method=\"shop.users.v1.UsersService/GetUser\"", StringComparison.Ordinal))
                .ToList();
            long Sum(string status) => lines.Where(line => line.Contains($"rpc_response_status_code=\"{status}\"", StringComparison.Ordinal))
                .Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            return (Sum("OK"), Sum("NOT_FOUND"));
        }

        var before = await GetUserCalls();
        var userId = await Suite.Http.RegisterUserAsync();
        var unknown = Guid.NewGuid().ToString();
        using (var first = await Suite.Http.SendAsync(Api.Checkout(userId, $"known-1-{Guid.NewGuid():N}")))
        using (var second = await Suite.Http.SendAsync(Api.Checkout(userId, $"known-2-{Guid.NewGuid():N}")))
        using (var third = await Suite.Http.SendAsync(Api.Checkout(userId, $"known-3-{Guid.NewGuid():N}")))
        using (var unknown1 = await Suite.Http.SendAsync(Api.Checkout(unknown, $"unknown-1-{Guid.NewGuid():N}")))
        using (var unknown2 = await Suite.Http.SendAsync(Api.Checkout(unknown, $"unknown-2-{Guid.NewGuid():N}")))
        {
            Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.NotFound, HttpStatusCode.NotFound],
                [first.StatusCode, second.StatusCode, third.StatusCode, unknown1.StatusCode, unknown2.StatusCode]);
        }

        // The first checkout finds the user (then the gateway knows it), the next two do not ask, each unknown one asks.
        // A server records a call once its response is complete, which can be just after the caller has it: wait for
        // those 1 + 2, then give any other the same time to show up.
        (long Found, long NotFound) Since((long Found, long NotFound) now) => (now.Found - before.Found, now.NotFound - before.NotFound);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Since(await GetUserCalls()) is var calls && (calls.Found < 1 || calls.NotFound < 2) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal((1L, 2L), Since(await GetUserCalls()));
    }

    [Fact]
    public async Task Invalid_checkout_is_a_400_problem_listing_every_field_error()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new
            {
                userId = "not-a-uuid",
                currency = "eur",
                lines = new object[] { new { sku = "", quantity = 0, unitPrice = -1m } },
            }),
        };

        using var response = await Suite.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Json()).GetProperty("errors");
        foreach (var field in new[] { "Idempotency-Key", "userId", "currency", "lines[0].sku", "lines[0].quantity", "lines[0].unitPrice" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field} in {errors}");
        }
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_naming_the_field()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = new StringContent("""{"userId":"x","currency":"EUR","lines":[{"sku":"A","quantity":"two","unitPrice":1}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", "k");

        using var response = await Suite.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Json()).GetProperty("errors").TryGetProperty("lines[0].quantity", out _));
    }

    [Fact]
    public async Task Invalid_tenant_header_is_a_400_problem()
    {
        var userId = await Suite.Http.RegisterUserAsync();

        using var response = await Suite.Http.SendAsync(Api.Checkout(userId, $"tenant-{Guid.NewGuid():N}", tenant: "acme,evil=1"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Baggage_sent_from_outside_never_reaches_the_suites_spans()
    {
        var userId = await Suite.Http.RegisterUserAsync();

        using var response = await Suite.Http.SendAsync(Api.Checkout(userId, $"baggage-{Guid.NewGuid():N}",
            configure: r => r.Headers.Add("baggage", "tenant.id=injected,user.id=forged")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var traceId = Api.TraceIdOf(response);
        var spans = await Suite.Telemetry.WaitForSpans(s => s.TraceId == traceId && s.ServiceName == ShopSuite.Payments);
        await Suite.Telemetry.WaitForSpans(s => s.TraceId == traceId && s.ServiceName == ShopSuite.Gateway);
        Assert.DoesNotContain(Suite.Telemetry.Spans.Where(s => s.TraceId == traceId), s => s[TelemetryAttributes.TenantId] is not null);
        Assert.DoesNotContain(Suite.Telemetry.Spans.Where(s => s.TraceId == traceId), s => "forged".Equals(s[TelemetryAttributes.UserId]));
        Assert.NotEmpty(spans);
    }

    [Fact]
    public async Task Every_answer_carries_a_traceresponse_header()
    {
        using var created = await Suite.Http.PostAsJsonAsync("/api/users", new { name = "Grace Hopper", email = $"grace-{Guid.NewGuid():N}@example.com" });
        using var invalid = await Suite.Http.GetAsync("/api/users/nope");
        using var missing = await Suite.Http.GetAsync($"/api/orders/{Guid.NewGuid()}");

        foreach (var response in new[] { created, invalid, missing })
        {
            var header = response.Headers.GetValues("traceresponse").Single();
            Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", header);
        }

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Registering_a_taken_email_is_a_409_problem_and_a_bad_one_a_400_naming_the_field()
    {
        var email = $"linus-{Guid.NewGuid():N}@example.com";
        using var first = await Suite.Http.PostAsJsonAsync("/api/users", new { name = "Linus", email });
        using var taken = await Suite.Http.PostAsJsonAsync("/api/users", new { name = "Linus", email });
        using var invalid = await Suite.Http.PostAsJsonAsync("/api/users", new { name = "Linus", email = "not-an-email" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True((await invalid.Json()).GetProperty("errors").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task The_gateway_root_points_to_an_OpenApi_document_that_describes_the_public_api()
    {
        // GET / points to the document, so a newcomer who opens the gateway's address finds it.
        var index = await Suite.Http.GetFromJsonAsync<JsonElement>("/");
        var document = await Suite.Http.GetFromJsonAsync<JsonElement>(index.GetProperty("openApi").GetString());

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/orders", out var checkout));
        Assert.True(checkout.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/api/users/{id}", out _));
    }
}
