using Shop.Testing;
using Xunit.Abstractions;

namespace Shop.Templates.Tests;

/// <summary>The dotnet CLI in the copied repository, with the template cache in a folder of its own.</summary>
internal sealed class Dotnet(string repository, string templateHive, ITestOutputHelper output)
{
    /// <summary>Runs <c>dotnet new</c> with this copy's template cache (<c>--debug:custom-hive</c>): the user's stays untouched.</summary>
    public Task<ToolResult> NewAsync(params string[] arguments) => RunAsync(["new", .. arguments, "--debug:custom-hive", templateHive]);

    /// <summary>Runs <c>dotnet</c> in the copy; fails with its output unless it exits with 0.</summary>
    public async Task<ToolResult> RunAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await ExternalTool.RunAsync("dotnet", arguments, workingDirectory: repository, timeout: timeout ?? TimeSpan.FromMinutes(3));
        output.WriteLine($"dotnet {string.Join(' ', arguments)}: exit code {result.ExitCode} after {started.Elapsed.TotalSeconds:0.0} s");
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed:\n{result}");
        return result;
    }
}
