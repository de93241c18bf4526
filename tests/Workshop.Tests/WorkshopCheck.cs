using Shop.Testing;

namespace Shop.Workshop.Tests;

/// <summary>Runs ./workshop/check's program (this repository's build) and the solutions' step scripts, as a learner does.</summary>
internal static class WorkshopCheck
{
    private static string Dll => RepoPaths.Of("workshop", "Check", "bin", "Release", "net10.0", "Shop.Workshop.Check.dll");

    public static Task<ToolResult> RunAsync(int module, string endpoints, string repository, params string[] arguments) =>
        ExternalTool.RunAsync("dotnet", [Dll, module.ToString(System.Globalization.CultureInfo.InvariantCulture), .. arguments, "--endpoints", endpoints, "--repo", repository],
            workingDirectory: repository, timeout: TimeSpan.FromMinutes(5));

    /// <summary>A step script of workshop/solutions in <paramref name="repository"/>; its last line of output is its result (a trace id).</summary>
    public static async Task<string> StepsAsync(string repository, string script, string endpoints, TimeSpan timeout)
    {
        var result = await ExternalTool.RunAsync("bash", [Path.Combine(repository, "workshop", "solutions", script), endpoints],
            workingDirectory: repository, timeout: timeout);
        Assert.True(result.ExitCode == 0, $"{script}: {result}");
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
    }
}
