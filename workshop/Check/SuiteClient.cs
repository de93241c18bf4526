using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Shop.Workshop.Check;

/// <summary>The HTTP calls the checks make to the running suite; every answer the check cannot use becomes a <see cref="SuiteException"/> naming the URL.</summary>
internal sealed class SuiteClient(SuiteEndpoints endpoints, HttpClient http)
{
    public SuiteEndpoints Endpoints => endpoints;

    /// <summary>How long a check waits for telemetry to arrive (exporters batch, the dashboard forwards, Prometheus scrapes).</summary>
    public TimeSpan TelemetryDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>GET and parse JSON; null on 404, a <see cref="SuiteException"/> on anything else that is not 2xx or when nothing answers.</summary>
    public async Task<JsonDocument?> GetJsonAsync(Uri url, string? apiKey = null, string? bearer = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (apiKey is not null)
        {
            request.Headers.Add("x-api-key", apiKey);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new SuiteException($"{url.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new SuiteException($"nothing answers at {url.GetLeftPart(UriPartial.Authority)} ({e.Message}): is the suite running?");
        }
        catch (JsonException e)
        {
            throw new SuiteException($"{url.GetLeftPart(UriPartial.Path)} did not answer JSON: {e.Message}");
        }
    }

    public async Task<string> GetTextAsync(Uri url, CancellationToken cancellationToken = default)
    {
        try
        {
            return await http.GetStringAsync(url, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new SuiteException($"{url.GetLeftPart(UriPartial.Path)} could not be read ({e.Message}): is the suite running?");
        }
    }

    /// <summary>A trace from the Shop dashboard's Jaeger API; empty when it does not have it.</summary>
    public async Task<List<TraceSpan>> ShopDashboardTraceAsync(string traceId, CancellationToken cancellationToken = default)
    {
        using var answer = await GetJsonAsync(new Uri(endpoints.Dashboard, $"/api/traces/{traceId}"), cancellationToken: cancellationToken);
        return answer is null ? [] : TraceSpans.FromJaeger(answer.RootElement);
    }

    /// <summary>A trace from the Aspire dashboard's telemetry API with the key of endpoints.json; empty when it does not have it.</summary>
    public async Task<List<TraceSpan>> AspireDashboardTraceAsync(string traceId, CancellationToken cancellationToken = default)
    {
        var aspire = endpoints.AspireDashboard ?? throw new SuiteException("endpoints.json has no aspire.dashboard: the suite runs without the Aspire dashboard");
        using var answer = await GetJsonAsync(new Uri(aspire, $"/api/telemetry/traces/{traceId}"), apiKey: endpoints.AspireApiKey, cancellationToken: cancellationToken);
        return answer is null ? [] : TraceSpans.FromOtlpJson(answer.RootElement);
    }

    /// <summary>Jaeger trace search on the Shop dashboard: the spans of every trace found.</summary>
    public async Task<List<TraceSpan>> SearchAsync(string service, IReadOnlyDictionary<string, string> tags, string lookback = "1h", int limit = 50, CancellationToken cancellationToken = default)
    {
        var query = $"/api/traces?service={Uri.EscapeDataString(service)}&lookback={lookback}&limit={limit}";
        if (tags.Count > 0)
        {
            query += "&tags=" + Uri.EscapeDataString(JsonSerializer.Serialize(tags));
        }

        using var answer = await GetJsonAsync(new Uri(endpoints.Dashboard, query), cancellationToken: cancellationToken);
        return answer is null ? [] : TraceSpans.FromJaeger(answer.RootElement);
    }

    /// <summary>
    /// Signs up a user and checks out an order of <paramref name="lines"/> lines through the gateway, as a learner does
    /// with curl; returns the order's trace id. The user's name and address are made up and never reach telemetry. A 5xx or
    /// a timeout (a cold service on a busy machine) is tried again, up to <see cref="Attempts"/> times, each checkout with
    /// a new Idempotency-Key so that it is a checkout and not a replay.
    /// </summary>
    public async Task<string> CheckoutAsync(int lines, CancellationToken cancellationToken = default)
    {
        var userId = await PostWithRetriesAsync("/api/users", () => new { name = "Workshop Check", email = $"check-{Guid.NewGuid():N}@example.com" }, null, "id", cancellationToken);
        var body = new
        {
            userId,
            currency = "EUR",
            lines = Enumerable.Range(1, lines).Select(i => new { sku = $"WORKSHOP-{i}", quantity = 1, unitPrice = 2.50m }).ToArray(),
        };
        return await PostWithRetriesAsync("/api/orders", () => body, "workshop-check-", "traceId", cancellationToken);
    }

    public const int Attempts = 5;

    private async Task<string> PostWithRetriesAsync(string path, Func<object> body, string? idempotencyPrefix, string field, CancellationToken cancellationToken)
    {
        var last = "";
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoints.Gateway, path)) { Content = JsonContent.Create(body()) };
            if (idempotencyPrefix is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyPrefix + Guid.NewGuid().ToString("N"));
            }

            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    using var answer = JsonDocument.Parse(text);
                    return answer.RootElement.TryGetProperty(field, out var value) && value.GetString() is { Length: > 0 } found
                        ? found
                        : throw new SuiteException($"POST {path} at the gateway answered without {field}: {text}");
                }

                last = $"{(int)response.StatusCode}: {text}";
                if ((int)response.StatusCode < 500)
                {
                    break; // the request is wrong, not the moment
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                last = e.Message;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }

        throw new SuiteException($"POST {path} at the gateway {endpoints.Gateway} failed: {last}");
    }

    /// <summary>Asks <paramref name="probe"/> until <paramref name="done"/> holds for its answer or the telemetry deadline passes; returns the last answer.</summary>
    public async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value) || started.Elapsed > TelemetryDeadline)
            {
                return value;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }
}

/// <summary>The suite did not answer as a check needs; the message names what and where.</summary>
internal sealed class SuiteException(string message) : Exception(message);
