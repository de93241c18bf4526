using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Shop.Testing;

namespace Shop.AppHost.Tests;

/// <summary>How the suite ends: stopping the AppHost stops everything it started.</summary>
public sealed class StopTests
{
    [Fact]
    public async Task Stopping_the_AppHost_stops_every_process_postgres_included_and_removes_the_endpoints_file()
    {
        var apphost = await ShopAppHost.StartAsync();
        IReadOnlyList<int> processes;
        try
        {
            processes = await apphost.ProcessesAsync();
            Assert.Contains(processes, pid => Command(pid) == "postgres");
            Assert.Contains(processes, pid => Command(pid) == "Aspire.Dashboard");
            Assert.Contains(processes, pid => Command(pid) == "Shop.Gateway");
        }
        catch
        {
            await apphost.DisposeAsync();
            throw;
        }

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await apphost.App.StopAsync();
        Console.WriteLine($"stopped in {stopping.Elapsed.TotalSeconds:0.0} s");
        var endpointsFileLeft = File.Exists(apphost.EndpointsPath);
        await apphost.DisposeAsync();

        Assert.False(endpointsFileLeft, "endpoints.json is removed on stop");
        Assert.Empty(await ProcessTable.WaitUntilGoneAsync(processes, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Crashed_service_shows_as_exited_and_the_restart_command_brings_it_back()
    {
        await using var apphost = await ShopAppHost.StartAsync();
        var notifications = apphost.App.Services.GetRequiredService<ResourceNotificationService>();
        var orders = await apphost.ProcessIdAsync("orders");

        using (var process = System.Diagnostics.Process.GetProcessById(orders))
        {
            process.Kill(entireProcessTree: true); // SIGKILL: no shutdown, as a crash
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var crashed = await notifications.WaitForResourceAsync("orders", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);
        Assert.NotEqual(0, crashed.Snapshot.ExitCode);

        // What the Aspire dashboard's restart button does; Aspire itself restarts nothing (README.md).
        var result = await apphost.App.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync("orders", KnownResourceCommands.RestartCommand, timeout.Token);
        Assert.True(result.Success, result.Message);
        await notifications.WaitForResourceHealthyAsync("orders", timeout.Token);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var order = await Checkout.PlaceOrderAsync(http, new Uri(apphost.Endpoints.GetProperty("gateway").GetString()!));
        Assert.Equal("Paid", order.GetProperty("status").GetString());
        Assert.NotEqual(orders, await apphost.ProcessIdAsync("orders"));
    }

    // The program's name (comm is cut at 15 characters: Aspire.Dashboar): its file name, or its dll's under `dotnet`.
    private static string Command(int pid)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return commandLine is [var dotnet, var dll, ..] && Path.GetFileName(dotnet) == "dotnet" && dll.EndsWith(".dll", StringComparison.Ordinal)
                ? Path.GetFileNameWithoutExtension(dll)
                : Path.GetFileName(commandLine.FirstOrDefault() ?? "");
        }
        catch (IOException)
        {
            return "";
        }
    }
}
