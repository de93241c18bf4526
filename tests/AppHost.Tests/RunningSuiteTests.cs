using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Shop.Testing;

namespace Shop.AppHost.Tests;

/// <summary>What a developer sees of a running suite: the endpoints file, a checkout, restarts, Prometheus.</summary>
[Collection(RunningSuite.Name)]
public sealed class RunningSuiteTests(RunningSuiteFixture fixture)
{
    private AppHostProcess AppHost => fixture.AppHost;

    [Fact]
    public async Task Ready_suite_publishes_its_endpoints_and_takes_a_checkout_through_the_gateway()
    {
        var endpoints = AppHost.Endpoints;
        Assert.Equal($"http://127.0.0.1:{AppHost.GatewayPort}", endpoints.GetProperty("gateway").GetString());
        Assert.StartsWith("http://127.0.0.1:", endpoints.GetProperty("dashboard").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("http://127.0.0.1:", endpoints.GetProperty("otlp").GetProperty("grpc").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("http://127.0.0.1:", endpoints.GetProperty("otlp").GetProperty("http").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("password", endpoints.GetProperty("postgres").GetString()!, StringComparison.OrdinalIgnoreCase);
        var services = endpoints.GetProperty("services");
        foreach (var (service, keys) in new[]
                 {
                     ("gateway", new[] { "http", "metrics" }), ("users", ["http", "grpc", "metrics"]),
                     ("orders", ["http", "metrics"]), ("payments", ["http", "grpc", "metrics"]),
                 })
        {
            Assert.Equal(keys.Order(), services.GetProperty(service).EnumerateObject().Select(p => p.Name).Order());
        }

        using var gateway = new HttpClient { BaseAddress = new Uri(endpoints.GetProperty("gateway").GetString()!), Timeout = TimeSpan.FromSeconds(60) };
        var order = await Checkout.PlaceOrderAsync(gateway);
        Assert.Equal("Paid", order.GetProperty("status").GetString());

        // The console says where the suite is, and the run's admin token opens the payments admin API.
        Assert.Contains($"Shop is ready in", AppHost.Output, StringComparison.Ordinal);
        using var admin = new HttpRequestMessage(HttpMethod.Get, services.GetProperty("payments").GetProperty("http").GetString() + "/admin/faults");
        admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoints.GetProperty("paymentsAdminToken").GetString());
        using var faults = await gateway.SendAsync(admin);
        Assert.Equal(HttpStatusCode.OK, faults.StatusCode);
    }

    [Theory]
    [InlineData("Shop.Users", "users")]
    [InlineData("Shop.Orders", "orders")]
    [InlineData("Shop.Payments", "payments")]
    public void Each_service_gets_its_own_database_with_a_bounded_pool(string assemblyName, string database)
    {
        var environment = File.ReadAllText($"/proc/{AppHost.ServiceProcessId(assemblyName)}/environ").Split('\0');
        var connectionString = environment.Single(v => v.StartsWith($"ConnectionStrings__{database}=", StringComparison.Ordinal)).Split('=', 2)[1];

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        Assert.Equal(database, builder.Database);
        Assert.Equal(15, builder.MaxPoolSize);
    }

    [Fact]
    public async Task Killed_service_is_restarted_and_serves_again()
    {
        var killed = AppHost.ServiceProcessId("Shop.Orders");

        using (var process = Process.GetProcessById(killed))
        {
            process.Kill(); // SIGKILL: no shutdown, as a crash
        }

        var orders = AppHost.Endpoints.GetProperty("services").GetProperty("orders").GetProperty("http").GetString();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await WaitUntilAsync(async () =>
        {
            try
            {
                using var health = await http.GetAsync(orders + "/health");
                return health.IsSuccessStatusCode && AppHost.ServiceProcessId("Shop.Orders") != killed;
            }
            catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException or IOException)
            {
                // Refused or reset while orders is down or still binding: SocketsHttpHandler may surface a reset
                // right after connect as a bare SocketException ("Transport endpoint is not connected").
                return false;
            }
        }, TimeSpan.FromSeconds(90), "orders to come back");
        Assert.Contains("orders: restarting (exited with code 137", AppHost.Output, StringComparison.Ordinal);

        using var gateway = new HttpClient { BaseAddress = new Uri(AppHost.Endpoints.GetProperty("gateway").GetString()!), Timeout = TimeSpan.FromSeconds(60) };
        var order = await Checkout.PlaceOrderAsync(gateway);
        Assert.Equal("Paid", order.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Prometheus_scrapes_each_service_as_the_job_of_its_name()
    {
        ExternalTool.Require("prometheus", "prometheus");
        var prometheus = AppHost.Endpoints.GetProperty("prometheus").GetString();
        Assert.StartsWith("http://127.0.0.1:", AppHost.Endpoints.GetProperty("alertmanager").GetString(), StringComparison.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        string[] jobs = ["gateway", "orders", "payments", "users"];
        var up = Array.Empty<string>();
        await WaitUntilAsync(async () =>
        {
            var targets = JsonDocument.Parse(await http.GetStringAsync(prometheus + "/api/v1/targets")).RootElement
                .GetProperty("data").GetProperty("activeTargets").EnumerateArray();
            up = [.. targets.Where(t => t.GetProperty("health").GetString() == "up")
                .Select(t => t.GetProperty("labels").GetProperty("job").GetString()!).Order()];
            return up.SequenceEqual(jobs);
        }, TimeSpan.FromSeconds(60), "every service's target up");

        // The SLO rules are loaded, so alerts can fire.
        var rules = await http.GetStringAsync(prometheus + "/api/v1/rules");
        Assert.Contains("slo-checkout-availability", rules, StringComparison.Ordinal);
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout} for {what}. AppHost output:\n{AppHost.Output}");
            }

            await Task.Delay(250);
        }
    }
}
