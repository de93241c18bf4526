using System.Text.Json;
using Shop.Testing;

namespace Shop.Dashboard.Tests.Infrastructure;

/// <summary>
/// One dashboard fed by two TestService processes ("frontend" and "backend") through the real
/// OpenTelemetry .NET OTLP exporter (http/protobuf), after a known set of requests: item reads, relays
/// from frontend to backend (an HTTP client span and the backend's server span), an unhandled exception
/// and a 503. Shared by the query, logs, metrics and browser tests.
/// </summary>
public sealed class TracedTraffic : IAsyncLifetime
{
    public const string Frontend = "frontend";
    public const string Backend = "backend";

    private ServiceProcess? _frontend;
    private ServiceProcess? _backend;

    public DashboardProcess Dashboard { get; private set; } = null!;

    /// <summary>Trace ids of GET /items/{id} on the frontend (one server span each).</summary>
    public List<string> ItemTraces { get; } = [];

    /// <summary>Trace ids of GET /relay/{id} on the frontend calling the backend (three spans, two services).</summary>
    public List<string> RelayTraces { get; } = [];

    /// <summary>Trace id of GET /boom: an unhandled exception, status Error, an exception event.</summary>
    public string BoomTrace { get; private set; } = "";

    /// <summary>Trace id of GET /status/503.</summary>
    public string UnavailableTrace { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Two SLOs on the frontend, as the AppHost passes observability/slos.yaml's: every request, and GET /items/{id} within 250 ms.
        Dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["Slos__0__Name"] = "checkout-availability",
            ["Slos__0__Service"] = Frontend,
            ["Slos__0__Objective"] = "99",
            ["Slos__0__Type"] = "http-availability",
            ["Slos__1__Name"] = "items-latency",
            ["Slos__1__Service"] = Frontend,
            ["Slos__1__Objective"] = "99.5",
            ["Slos__1__Type"] = "http-latency",
            ["Slos__1__Threshold"] = "0.25",
            ["Slos__1__Selector__http_route"] = "/items/{id}",
            ["Slos__1__Selector__http_request_method"] = "GET",
        });
        _frontend = await TracedService.StartAsync(Dashboard, Frontend);
        _backend = await TracedService.StartAsync(Dashboard, Backend);
        var backendHost = new Uri(_backend.BaseUrl).Authority;

        for (var i = 1; i <= 3; i++)
        {
            ItemTraces.Add(await _frontend.GetTracedAsync($"/items/{i}"));
        }

        for (var i = 1; i <= 2; i++)
        {
            RelayTraces.Add(await _frontend.GetTracedAsync($"/relay/{i}", host: backendHost));
        }

        BoomTrace = await _frontend.GetTracedAsync("/boom");
        UnavailableTrace = await _frontend.GetTracedAsync("/status/503");

        foreach (var trace in ItemTraces.Concat([BoomTrace, UnavailableTrace]))
        {
            await Dashboard.WaitForTraceAsync(trace);
        }

        foreach (var trace in RelayTraces)
        {
            await Dashboard.WaitForTraceAsync(trace, spans: 3);
        }

        // Metrics arrive every 500 ms; wait until the server histograms have counted the requests.
        await Dashboard.WaitForAsync(async () =>
        {
            var routes = (await Dashboard.GetJsonAsync("/api/metrics/routes?window=5m")).GetProperty("data").EnumerateArray().ToList();
            double Requests(string service, string route) => routes
                .Where(r => r.GetProperty("service").GetString() == service && r.GetProperty("route").GetString() == route)
                .Sum(r => r.GetProperty("requests").GetDouble());
            return (Requests(Frontend, "GET /items/{id}") >= ItemTraces.Count && Requests(Frontend, "GET /boom") >= 1
                && Requests(Backend, "GET /items/{id}") >= RelayTraces.Count, true);
        }, "http.server.request.duration of both services");
    }

    public async Task DisposeAsync()
    {
        if (_frontend is not null)
        {
            await _frontend.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }

        if (Dashboard is not null)
        {
            await Dashboard.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TracedTrafficDefinition : ICollectionFixture<TracedTraffic>
{
    public const string Name = "Dashboard with traced TestService traffic";
}
