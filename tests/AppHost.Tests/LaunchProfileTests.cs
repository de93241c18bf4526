using System.Globalization;
using System.Text.Json;
using Shop.Testing;

namespace Shop.AppHost.Tests;

/// <summary>What `dotnet run --project AppHost` applies from the AppHost's launch profile (README.md, "How the services start").</summary>
public sealed class LaunchProfileTests
{
    [Fact]
    public void Dotnet_run_delays_optimizing_compiles_by_seconds_while_the_suite_starts()
    {
        // dotnet run takes the first profile; the runtime reads DOTNET_TC_CallCountingDelayMs as hexadecimal milliseconds.
        using var settings = JsonDocument.Parse(File.ReadAllText(RepoPaths.Of("AppHost", "Properties", "launchSettings.json")));
        var profile = settings.RootElement.GetProperty("profiles").EnumerateObject().First().Value;
        var delay = profile.GetProperty("environmentVariables").GetProperty("DOTNET_TC_CallCountingDelayMs").GetString();

        Assert.True(uint.TryParse(delay, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var milliseconds), $"{delay} is not hexadecimal");
        Assert.InRange(milliseconds, 1000u, 10_000u); // the runtime's default is 100 ms; much longer would keep a loaded service on unoptimized code
    }
}
