using System.Diagnostics;
using System.Text;

namespace Shop.Testing;

/// <summary>Programs the tests run but do not build: promtool, prometheus, amtool, found on PATH.</summary>
public static class ExternalTool
{
    /// <summary>The full path of <paramref name="program"/>, or a failure that says which Debian package provides it.</summary>
    public static string Require(string program, string debianPackage)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, program);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException(
            $"'{program}' is not on PATH. Install it with `apt-get install {debianPackage}` (./test.sh installs it on a fresh machine).");
    }

    /// <summary>Runs a program to completion (killed after <paramref name="timeout"/>), with optional standard input.</summary>
    public static async Task<ToolResult> RunAsync(
        string path, IEnumerable<string> arguments, string? standardInput = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(path, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (error) { error.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.StandardInput.WriteAsync(standardInput ?? "");
        process.StandardInput.Close();

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{Path.GetFileName(path)} {string.Join(' ', start.ArgumentList)} did not finish in time:\n{output}\n{error}");
        }

        // WaitForExitAsync returns after the output streams are drained.
        return new ToolResult(process.ExitCode, output.ToString(), error.ToString());
    }
}

/// <summary>How a program ended and what it printed.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}
