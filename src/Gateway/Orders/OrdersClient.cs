using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Shop.Conventions;
using Shop.Gateway.Dependencies;

namespace Shop.Gateway.Orders;

/// <summary>
/// The orders service over HTTP at http://orders. Timeouts, retries and the circuit breaker are the HttpClient's
/// resilience handler (<see cref="OrdersResilience"/>); this class turns what is left of a failure into a
/// <see cref="DependencyException"/>.
/// </summary>
public sealed class OrdersClient(HttpClient http)
{
    public const string ServiceName = "orders";
    public const string ReplayedHeader = "Idempotency-Replayed";

    /// <summary>Places an order (orders charges payments); the answer keeps orders' status code.</summary>
    public Task<PlaceOrderResult> PlaceAsync(PlaceOrderRequest order, string idempotencyKey, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = JsonContent.Create(order) };
        request.Headers.Add(ShopHeaders.IdempotencyKey, idempotencyKey);
        return Send(request, async response => response.StatusCode switch
        {
            HttpStatusCode.Created or HttpStatusCode.Accepted or HttpStatusCode.OK => new PlaceOrderResult(
                (int)response.StatusCode,
                await response.Content.ReadFromJsonAsync<OrderDto>(cancellationToken),
                null,
                response.Headers.TryGetValues(ReplayedHeader, out var replayed) && replayed.Contains("true")),
            _ => new PlaceOrderResult((int)response.StatusCode, null, await ReadProblem(response, cancellationToken), false),
        }, cancellationToken);
    }

    /// <summary>The order, or null when orders does not know it.</summary>
    public Task<OrderDto?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        Send(new HttpRequestMessage(HttpMethod.Get, $"/orders/{id}"), async response => response.StatusCode == HttpStatusCode.NotFound
            ? null
            : await Expect<OrderDto>(response, cancellationToken), cancellationToken);

    /// <summary>A user's orders, newest first.</summary>
    public Task<IReadOnlyList<OrderDto>> ListByUserAsync(Guid userId, CancellationToken cancellationToken) =>
        Send(new HttpRequestMessage(HttpMethod.Get, $"/orders?userId={userId}"),
            response => Expect<IReadOnlyList<OrderDto>>(response, cancellationToken), cancellationToken);

    private async Task<T> Send<T>(HttpRequestMessage request, Func<HttpResponseMessage, Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            using (request)
            {
                using var response = await http.SendAsync(request, cancellationToken);

                // The resilience handler retried these and hands back the last attempt's answer.
                if (response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
                {
                    throw new TransientHttpStatusException(ServiceName, (int)response.StatusCode);
                }

                return await read(response);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TransientHttpStatusException or UnexpectedAnswerException
            or Polly.ExecutionRejectedException)
        {
            // ExecutionRejectedException: the handler's timeouts, open circuit or concurrency limit.
            throw new DependencyException(ServiceName, e);
        }
    }

    private static async Task<T> Expect<T>(HttpResponseMessage response, CancellationToken cancellationToken) =>
        response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<T>(cancellationToken) is { } value
            ? value
            : throw new UnexpectedAnswerException($"orders answered {(int)response.StatusCode} to {response.RequestMessage?.RequestUri?.AbsolutePath}.");

    private static async Task<ProblemDetails?> ReadProblem(HttpResponseMessage response, CancellationToken cancellationToken) =>
        response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(cancellationToken)
            : null;

    private sealed class UnexpectedAnswerException(string message) : Exception(message);
}

/// <summary>Orders' answer to placing an order: its status code, and the order or its ProblemDetails.</summary>
public sealed record PlaceOrderResult(int StatusCode, OrderDto? Order, ProblemDetails? Problem, bool Replayed);

/// <summary>Body of orders' POST /orders (amounts in minor units).</summary>
public sealed record PlaceOrderRequest(Guid UserId, string Currency, IReadOnlyList<PlaceOrderLine> Lines);

public sealed record PlaceOrderLine(string Sku, int Quantity, long UnitPriceMinor);

/// <summary>An order as the orders service returns it.</summary>
public sealed record OrderDto(
    Guid Id,
    Guid UserId,
    string? TenantId,
    string Status,
    string Currency,
    long TotalMinor,
    IReadOnlyList<OrderLineDto> Lines,
    string? PaymentId,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record OrderLineDto(string Sku, int Quantity, long UnitPriceMinor, long LineTotalMinor);
