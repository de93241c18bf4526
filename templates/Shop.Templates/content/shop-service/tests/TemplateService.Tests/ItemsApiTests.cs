using System.Diagnostics;
using System.Net;
#if (http)
using System.Net.Http.Json;
using System.Text.Json;
#endif
#if (grpc)
using Grpc.Core;
#endif
using Shop.Conventions;
#if (grpc)
using V1 = Shop.Contracts.TemplateService.V1;
#endif
using Kind = Shop.Otlp.Trace.V1.Span.Types.SpanKind;

namespace Shop.TemplateService.Tests;

public sealed class ItemsApiTests(TemplateServiceProcess service) : IClassFixture<TemplateServiceProcess>
{
    [Fact]
    public async Task Health_and_liveness_answer_200()
    {
        Assert.Equal(HttpStatusCode.OK, (await service.Process.Http.GetAsync(HealthPaths.Ready)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Process.Http.GetAsync(HealthPaths.Alive)).StatusCode);
    }
#if (grpc)

    [Fact]
    public async Task Creating_an_item_returns_it_trimmed_under_a_new_UUIDv7_and_a_taken_name_is_ALREADY_EXISTS()
    {
        var name = UniqueName();

        var item = await CreateAsync("  " + name + " ");
        var again = await Assert.ThrowsAsync<RpcException>(() => CreateAsync(name));

        Assert.Equal(7, Guid.Parse(item.Id).Version);
        Assert.Equal(name, item.Name);
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
        Assert.Equal("name: is already taken", again.Status.Detail);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Bell\u0007")]
    public async Task An_invalid_name_is_INVALID_ARGUMENT_naming_the_field(string name)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => CreateAsync(name));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("name:", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_is_one_server_span_named_after_its_method_and_health_checks_leave_none()
    {
        await service.Process.Http.GetAsync(HealthPaths.Ready);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();

        await CreateAsync(UniqueName(), new Metadata { { "traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01" } });

        var server = Assert.Single(await service.Telemetry.WaitForSpans(s => s.TraceId == traceId && s.Kind == Kind.Server));
        Assert.Equal("templateservice", server.ServiceName);
        Assert.Equal("shop.templateservice.v1.TemplateServiceService/CreateItem", server.Name);
        Assert.Equal("shop.templateservice.v1.TemplateServiceService/CreateItem", server[TelemetryAttributes.RpcMethod]);
        Assert.Equal("OK", server[TelemetryAttributes.RpcResponseStatusCode]);
#if (database)
        var insert = await service.Telemetry.WaitForSpans(s => s.TraceId == traceId && s.Scope == TelemetrySources.Npgsql);
        Assert.All(insert, span => Assert.Equal(Kind.Client, span.Kind));
#endif
        Assert.DoesNotContain(service.Telemetry.Spans, s => Equals(s[TelemetryAttributes.UrlPath], HealthPaths.Ready));
    }

    private Task<V1.Item> CreateAsync(string name, Metadata? headers = null) =>
        service.Client.CreateItemAsync(new V1.CreateItemRequest { Name = name }, headers, DateTime.UtcNow.AddSeconds(30)).ResponseAsync;
#else

    [Fact]
    public async Task Creating_an_item_is_201_with_it_trimmed_under_a_new_UUIDv7_and_a_taken_name_is_409()
    {
        var name = UniqueName();

        using var created = await CreateAsync("  " + name + " ");
        using var again = await CreateAsync(name);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var item = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(7, item.GetProperty("id").GetGuid().Version);
        Assert.Equal(name, item.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Bell\u0007")]
    public async Task An_invalid_name_is_400_ProblemDetails_naming_the_field(string name)
    {
        using var response = await CreateAsync(name);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _), problem.GetRawText());
    }

    [Fact]
    public async Task A_request_is_one_server_span_named_after_its_route_and_health_checks_leave_none()
    {
        await service.Process.Http.GetAsync(HealthPaths.Ready);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();

        using var response = await CreateAsync(UniqueName(), $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        var server = Assert.Single(await service.Telemetry.WaitForSpans(s => s.TraceId == traceId && s.Kind == Kind.Server));
        Assert.Equal("templateservice", server.ServiceName);
        Assert.Equal("POST /items", server.Name);
        Assert.Equal("/items", server[TelemetryAttributes.HttpRoute]);
        Assert.Equal(201L, Convert.ToInt64(server[TelemetryAttributes.HttpResponseStatusCode], System.Globalization.CultureInfo.InvariantCulture));
#if (database)
        var insert = await service.Telemetry.WaitForSpans(s => s.TraceId == traceId && s.Scope == TelemetrySources.Npgsql);
        Assert.All(insert, span => Assert.Equal(Kind.Client, span.Kind));
#endif
        Assert.DoesNotContain(service.Telemetry.Spans, s => Equals(s[TelemetryAttributes.UrlPath], HealthPaths.Ready));
    }

    private async Task<HttpResponseMessage> CreateAsync(string name, string? traceparent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/items") { Content = JsonContent.Create(new { name }) };
        if (traceparent is not null)
        {
            request.Headers.Add("traceparent", traceparent);
        }

        return await service.Process.Http.SendAsync(request);
    }
#endif

    private static string UniqueName() => $"item {Guid.NewGuid():N}";
}
