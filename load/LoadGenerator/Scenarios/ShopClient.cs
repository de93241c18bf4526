using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Shop.LoadGenerator.Recording;

namespace Shop.LoadGenerator.Scenarios;

/// <summary>
/// Runs the scenarios against the gateway's public API with one pooled HttpClient. Users registered and orders placed
/// go into pools that the read scenarios pick from; tenants rotate over requests.
/// </summary>
internal sealed class ShopClient : IDisposable
{
    /// <summary>The full name every registered user gets (the PII scan looks for it).</summary>
    public const string UserName = "Load Tester";

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient _http;
    private readonly string[] _tenants;
    private readonly IdPool _users = new();
    private readonly IdPool _orders = new();

    public ShopClient(Uri gateway, int tenants, int maxConnections, TimeSpan timeout)
    {
        _tenants = [.. Enumerable.Range(1, Math.Max(1, tenants)).Select(i => $"tenant-{i}")];
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            // No activity or propagation headers of our own: each request starts its trace at the gateway.
            ActivityHeadersPropagator = null,
        };
        _http = new HttpClient(handler) { BaseAddress = gateway, Timeout = timeout };
    }

    public IReadOnlyList<string> Tenants => _tenants;

    public int UserCount => _users.Count;

    public int OrderCount => _orders.Count;

    /// <summary>Runs one request of <paramref name="scenario"/>; latency counts from <paramref name="intendedStart"/>.</summary>
    public async Task<RequestResult> RunAsync(Scenario scenario, long sequence, long intendedStart, CancellationToken cancellationToken)
    {
        var tenant = _tenants[sequence % _tenants.Length];
        // A read needs something to read: until the pools fill, sign up or check out instead.
        var effective = scenario switch
        {
            Scenario.ReadUser or Scenario.Checkout when _users.Count == 0 => Scenario.RegisterUser,
            Scenario.ReadOrder when _orders.Count == 0 => _users.Count == 0 ? Scenario.RegisterUser : Scenario.Checkout,
            _ => scenario,
        };
        // A checkout keeps its body and Idempotency-Key over its attempts, as a real client's retry does.
        var checkout = effective == Scenario.Checkout ? new CheckoutBody(_users.Pick(), Random.Shared.Next(1, 4), Guid.NewGuid().ToString("N")) : null;
        var attempts = checkout is not null && CheckoutRetry is { } retry ? retry.MaxAttempts : 1;
        var sent = Stopwatch.GetTimestamp();
        int status = 0;
        string? exception = null;
        string? traceId = null;
        for (var attempt = 1; ; attempt++)
        {
            using var request = checkout is null ? Build(effective, tenant) : Checkout(checkout, tenant);
            sent = Stopwatch.GetTimestamp();
            (status, exception, traceId, var orderId) = await SendAsync(request, effective, cancellationToken);
            if (checkout is not null)
            {
                CheckoutAnswered?.Invoke(new CheckoutAnswer(checkout.IdempotencyKey, attempt, status, exception, orderId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            }

            if (attempt >= attempts || !Scenarios.CheckoutRetry.ShouldRetry(status, exception))
            {
                break;
            }

            await Task.Delay(CheckoutRetry!.DelayBefore(attempt + 1), cancellationToken);
        }

        var end = Stopwatch.GetTimestamp();
        return new RequestResult(effective, status, exception, Stopwatch.GetElapsedTime(intendedStart, end).TotalMilliseconds,
            Stopwatch.GetElapsedTime(sent, end).TotalMilliseconds, traceId, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>When set, a checkout that got no answer or a server error is sent again with the same Idempotency-Key.</summary>
    public CheckoutRetry? CheckoutRetry { get; init; }

    /// <summary>Called with every checkout attempt's answer (from many threads at once).</summary>
    public Action<CheckoutAnswer>? CheckoutAnswered { get; init; }

    private async Task<(int Status, string? Exception, string? TraceId, Guid? OrderId)> SendAsync(HttpRequestMessage request, Scenario scenario, CancellationToken cancellationToken)
    {
        int status = 0;
        string? exception = null;
        string? traceId = null;
        Guid? orderId = null;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            status = (int)response.StatusCode;
            if (response.Headers.TryGetValues("traceresponse", out var values))
            {
                traceId = RequestResult.TraceIdFrom(values.FirstOrDefault());
            }

            // 201 Paid, 202 Pending and 402 PaymentFailed all name their order in Location (/api/orders/{id}).
            if (scenario == Scenario.Checkout && Guid.TryParse(response.Headers.Location?.OriginalString.Split('/')[^1], out var id))
            {
                orderId = id;
            }

            if (status is 201 && scenario is Scenario.RegisterUser or Scenario.Checkout)
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                if (IdOf(body) is { } created)
                {
                    (scenario == Scenario.RegisterUser ? _users : _orders).Add(created);
                }
            }
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            exception = "timeout";
        }
        catch (HttpRequestException e)
        {
            exception = e.HttpRequestError == HttpRequestError.Unknown ? nameof(HttpRequestException) : $"{nameof(HttpRequestException)} {e.HttpRequestError}";
        }

        return (status, exception, traceId, orderId);
    }

    /// <summary>Registers <paramref name="users"/> users and places <paramref name="orders"/> orders, a few at a time, so reads and checkouts have data.</summary>
    public async Task PrepareAsync(int users, int orders, CancellationToken cancellationToken)
    {
        long sequence = 0;
        async Task Fill(Scenario scenario, Func<int> count, int target)
        {
            var attempts = 0;
            while (count() < target)
            {
                if (++attempts > target * 3 + 10)
                {
                    throw new InvalidOperationException($"Warm-up could not {scenario.Name()}: {count()} of {target} after {attempts - 1} attempts; is the suite healthy?");
                }

                var batch = Enumerable.Range(0, Math.Min(8, target - count())).Select(_ =>
                    RunAsync(scenario, Interlocked.Increment(ref sequence), Stopwatch.GetTimestamp(), cancellationToken));
                var results = await Task.WhenAll(batch);
                if (results.FirstOrDefault(r => !r.Succeeded) is { } failed && results.All(r => !r.Succeeded))
                {
                    await Task.Delay(200, cancellationToken);
                    if (attempts > 50)
                    {
                        throw new InvalidOperationException($"Warm-up {scenario.Name()} keeps failing: {failed.Outcome}.");
                    }
                }
            }
        }

        await Fill(Scenario.RegisterUser, () => _users.Count, users);
        await Fill(Scenario.Checkout, () => _orders.Count, orders);
    }

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage Build(Scenario scenario, string tenant)
    {
        var request = scenario switch
        {
            Scenario.RegisterUser => new HttpRequestMessage(HttpMethod.Post, "/api/users")
            {
                Content = Body($$"""{"name":"{{UserName}}","email":"load-{{Guid.NewGuid():N}}@example.com"}"""),
            },
            Scenario.ReadUser => new HttpRequestMessage(HttpMethod.Get, $"/api/users/{_users.Pick()}"),
            Scenario.ReadOrder => new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{_orders.Pick()}"),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        request.Headers.TryAddWithoutValidation("X-Tenant-Id", tenant);
        return request;
    }

    private static HttpRequestMessage Checkout(CheckoutBody checkout, string tenant)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = Body($$"""{"userId":"{{checkout.UserId}}","currency":"EUR","lines":[{"sku":"BOOK-1","quantity":{{checkout.Quantity}},"unitPrice":12.50},{"sku":"PEN-7","quantity":1,"unitPrice":3.20}]}"""),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", checkout.IdempotencyKey);
        request.Headers.TryAddWithoutValidation("X-Tenant-Id", tenant);
        return request;
    }

    private sealed record CheckoutBody(string UserId, int Quantity, string IdempotencyKey);

    private static ByteArrayContent Body(string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = Json;
        return content;
    }

    private static string? IdOf(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        var depth = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    depth++;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    depth--;
                    break;
                case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("id"u8):
                    reader.Read();
                    return reader.GetString();
            }
        }

        return null;
    }

    /// <summary>Ids to read back; appended by many requests, picked at random.</summary>
    private sealed class IdPool
    {
        private readonly Lock _lock = new();
        private readonly List<string> _ids = [];

        public int Count => Volatile.Read(ref _count);

        private int _count;

        public void Add(string id)
        {
            lock (_lock)
            {
                // Bounded: a long run keeps a window of the newest ids rather than every one.
                if (_ids.Count < 100_000)
                {
                    _ids.Add(id);
                }
                else
                {
                    _ids[Random.Shared.Next(_ids.Count)] = id;
                }

                _count = _ids.Count;
            }
        }

        public string Pick()
        {
            lock (_lock)
            {
                return _ids[Random.Shared.Next(_ids.Count)];
            }
        }
    }
}
