using Shop.Hosting;

namespace Shop.Hosting.Tests;

/// <summary>Runs tests/ProcessProbe as a separate parent process and reads the line that tells what it started.</summary>
internal static class Probe
{
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(60);

    // Started through ChildProcess itself, so a failing test cannot leave a probe behind.
    /// <param name="ignoringSigint">Start the probe with SIGINT ignored, as a shell starts a background job.</param>
    public static async Task<(ChildProcess Process, string[] Report)> StartAsync(
        string mode, IReadOnlyDictionary<string, string?>? environment = null, bool ignoringSigint = false)
    {
        var report = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        string[] command = [dotnet, Path.Combine(AppContext.BaseDirectory, "Shop.ProcessProbe.dll"), mode];
        var probe = ChildProcess.Start((ignoringSigint
            ? new ChildProcessOptions("sh", ["-c", "trap '' INT; exec \"$@\"", "probe", .. command])
            : new ChildProcessOptions(command[0], command[1..])) with
        {
            Environment = environment ?? new Dictionary<string, string?>(),
            Output = line =>
            {
                if (!line.IsError)
                {
                    report.TrySetResult(line.Text);
                }
            },
        });
        try
        {
            // Ask whether the report came, not which task won: the report is set before Exited completes, but
            // WhenAny may hear of Exited first, since the report's continuations run asynchronously.
            await Task.WhenAny(report.Task, probe.Exited).WaitAsync(ReportTimeout);
            Assert.True(report.Task.IsCompleted, $"The probe exited without a report:\n{string.Join('\n', probe.RecentOutput)}");
            return (probe, (await report.Task).Split(' '));
        }
        catch
        {
            await probe.DisposeAsync();
            throw;
        }
    }
}
