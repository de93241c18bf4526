using Shop.Testing;

namespace Shop.AppHost.Tests;

/// <summary>How the suite ends: Ctrl+C stops everything it started; a killed AppHost takes its children with it.</summary>
public sealed class StopTests
{
    [Fact]
    public async Task Sigint_stops_every_child_postgres_included_and_removes_the_endpoints_file()
    {
        await using var apphost = await AppHostProcess.StartReadyAsync(RunningSuiteFixture.StarvedMachineDeadlines);
        var children = ProcessTable.DescendantsOf(apphost.ProcessId);
        var postgres = children.Where(pid => File.ReadAllText($"/proc/{pid}/comm").Trim() == "postgres").ToList();
        Assert.NotEmpty(postgres);

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        var exitCode = await apphost.InterruptAsync();
        Console.WriteLine($"stopped in {stopping.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal(0, exitCode);
        Assert.Empty(await ProcessTable.WaitUntilGoneAsync(children, TimeSpan.FromSeconds(15)));
        Assert.False(File.Exists(apphost.EndpointsPath), "endpoints.json is removed on exit");
        // Reverse order of start: the gateway first, PostgreSQL last.
        var output = apphost.Output;
        Assert.True(output.IndexOf("gateway: stopped", StringComparison.Ordinal) < output.IndexOf("users: stopping", StringComparison.Ordinal), output);
        Assert.True(output.IndexOf("dashboard: stopped", StringComparison.Ordinal) < output.IndexOf("postgres: stopping", StringComparison.Ordinal), output);
    }

    [Fact]
    public async Task Taken_gateway_port_is_named_with_the_option_that_changes_it_and_exits_non_zero()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        await using var apphost = AppHostProcess.Start(gatewayPort: port);
        var exitCode = await apphost.Exited.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Port {port} (gateway http) on 127.0.0.1 is already in use", apphost.Output, StringComparison.Ordinal);
        Assert.Contains("--gateway-port", apphost.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("starting", apphost.Output, StringComparison.Ordinal); // nothing was started
    }
}
