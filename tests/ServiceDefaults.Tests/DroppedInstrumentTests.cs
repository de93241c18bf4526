using Shop.Conventions;
using Shop.Testing;

namespace Shop.ServiceDefaults.Tests;

/// <summary>
/// The per-request instruments nobody reads are dropped from both readers (OTLP and Prometheus), and
/// ServiceDefaults:Metrics:Drop replaces the list. Each test sends /relay/{id}: a server request that calls the same
/// service over HttpClient, so routing, the memory pool and the connection pool all record when kept.
/// </summary>
public sealed class DroppedInstrumentTests : IAsyncLifetime
{
    private const string DropKey = "ServiceDefaults__Metrics__Drop";

    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OtlpReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Unread_per_request_instruments_reach_neither_otlp_nor_prometheus_by_default()
    {
        await using var service = await TestServiceHost.StartAsync(TestServiceHost.Exporting(_receiver));

        var exported = await RelayAndCollect(service, TelemetryMetrics.HttpClientRequestDuration);
        var exposition = await service.Http.GetStringAsync(HealthPaths.Metrics);

        Assert.Contains(TelemetryMetrics.HttpServerRequestDuration, exported);
        Assert.Contains("http_client_request_duration_seconds_count{", exposition, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds_count{", exposition, StringComparison.Ordinal);
        foreach (var name in TelemetryMetrics.DroppedByDefault)
        {
            Assert.DoesNotContain(name, exported);
            Assert.DoesNotContain(exposition.Split('\n'), line => line.StartsWith(name.Replace('.', '_'), StringComparison.Ordinal));
        }

        Assert.Contains(service.Output, line => line.Contains("Metric instruments dropped", StringComparison.Ordinal)
            && line.Contains("aspnetcore.routing.match_attempts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_drop_list_keeps_every_instrument()
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment[DropKey] = "";
        await using var service = await TestServiceHost.StartAsync(environment);

        var exported = await RelayAndCollect(service, "aspnetcore.routing.match_attempts");
        var exposition = await service.Http.GetStringAsync(HealthPaths.Metrics);

        Assert.Contains("http.client.open_connections", exported);
        Assert.Contains("aspnetcore.memory_pool.rented", exported);
        Assert.Contains("aspnetcore_routing_match_attempts_total{", exposition, StringComparison.Ordinal);
        Assert.Contains("http_client_open_connections{", exposition, StringComparison.Ordinal);
        Assert.DoesNotContain(service.Output, line => line.Contains("Metric instruments dropped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_configured_list_replaces_the_default_one()
    {
        var environment = TestServiceHost.Exporting(_receiver);
        environment[DropKey] = $" {TelemetryMetrics.HttpClientRequestDuration} ,kestrel.active_connections";
        await using var service = await TestServiceHost.StartAsync(environment);

        var exported = await RelayAndCollect(service, "aspnetcore.routing.match_attempts");
        var exposition = await service.Http.GetStringAsync(HealthPaths.Metrics);

        Assert.DoesNotContain(TelemetryMetrics.HttpClientRequestDuration, exported);
        Assert.DoesNotContain("kestrel.active_connections", exported);
        Assert.DoesNotContain("http_client_request_duration_seconds", exposition, StringComparison.Ordinal);
        Assert.Contains("aspnetcore_routing_match_attempts_total{", exposition, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds_count{", exposition, StringComparison.Ordinal);
    }

    /// <summary>Sends /relay/1 and waits until an OTLP export carries <paramref name="expected"/>; returns every instrument name exported by then.</summary>
    private async Task<HashSet<string>> RelayAndCollect(ServiceProcess service, string expected)
    {
        (await service.Http.GetAsync("/relay/1")).EnsureSuccessStatusCode();
        await _receiver.WaitFor(r => r.Metrics.FirstOrDefault(m => m.Name == expected), what: $"an exported {expected}");

        // One more export interval, so every instrument recorded by the relay has been through a collection.
        var count = _receiver.Metrics.Count;
        await _receiver.WaitFor(r => r.Metrics.Count > count ? r : null, what: "the next metrics export");
        return [.. _receiver.Metrics.Select(m => m.Name)];
    }
}
