using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Shop.Testing;

namespace Shop.Hosting.Tests;

public sealed class ChildProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Output_lines_reach_the_callback_marked_by_stream()
    {
        ConcurrentQueue<OutputLine> lines = new();
        await using var child = ChildProcess.Start(new("sh", ["-c", "echo to stdout; echo to stderr >&2"]) { Output = lines.Enqueue });

        Assert.Equal(0, await child.Exited.WaitAsync(Timeout));
        Assert.Contains(new OutputLine("to stdout", IsError: false), lines);
        Assert.Contains(new OutputLine("to stderr", IsError: true), lines);
    }

    [Fact]
    public async Task Recent_output_keeps_the_last_lines_for_error_reports()
    {
        await using var child = ChildProcess.Start(
            new("sh", ["-c", "for i in 1 2 3 4 5; do echo line $i; done; exit 3"]) { RecentLines = 2 });

        Assert.Equal(3, await child.Exited.WaitAsync(Timeout));
        Assert.Equal(["line 4", "line 5"], child.RecentOutput);
    }

    [Fact]
    public async Task Arguments_environment_and_working_directory_reach_the_child()
    {
        using var directory = new TempDirectory();
        await using var child = ChildProcess.Start(
            new("sh", ["-c", """echo "$1|$SHOP_SETTING|${HOME-unset}|$PWD" """, "sh", "two words"])
            {
                WorkingDirectory = directory.FullPath,
                Environment = new Dictionary<string, string?> { ["SHOP_SETTING"] = "on", ["HOME"] = null },
            });

        Assert.Equal(0, await child.Exited.WaitAsync(Timeout));
        Assert.Equal($"two words|on|unset|{directory.FullPath}", Assert.Single(child.RecentOutput));
    }

    [Fact]
    public async Task Each_lifeline_pipe_reaches_only_its_own_watcher_and_the_child_reads_dev_null()
    {
        await using var first = ChildProcess.Start(new("sleep", ["30"]));
        await using var second = ChildProcess.Start(new("sleep", ["30"]));
        // Start returns once the watchdog shell runs; it forks the watcher and execs sleep a moment later.
        var watchers = await Task.WhenAll(new[] { first, second }.Select(WatcherOfSleepingChildAsync));
        var lifelines = watchers.Select(watcher => OpenFiles(watcher)["0"]).ToArray();

        Assert.NotEqual(lifelines[0], lifelines[1]);
        Assert.DoesNotContain(lifelines[0], OpenFiles(watchers[1]).Values);
        Assert.DoesNotContain(lifelines[1], OpenFiles(watchers[0]).Values);
        foreach (var child in new[] { first, second })
        {
            var files = OpenFiles(child.Id);
            Assert.Equal("/dev/null", files["0"]);
            Assert.Empty(files.Values.Intersect(lifelines));
        }
    }

    [Theory]
    [InlineData(PosixSignal.SIGINT, "INT")]
    [InlineData(PosixSignal.SIGTERM, "TERM")]
    public async Task Stop_delivers_the_stop_signal_to_the_child_itself(PosixSignal signal, string name)
    {
        // The shell that traps is the child: the watchdog exec'd it, so no wrapper stands between it and the signal.
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var child = ChildProcess.Start(new("sh",
            ["-c", "trap 'echo got INT; exit 0' INT; trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.1; done"])
        {
            StopSignal = signal,
            Output = line => { if (line.Text == "ready") ready.TrySetResult(); },
        });
        await ready.Task.WaitAsync(Timeout);

        Assert.Equal(0, await child.StopAsync().WaitAsync(Timeout));
        Assert.Contains($"got {name}", child.RecentOutput);
    }

    [Fact]
    public async Task Stop_signal_reaches_the_child_even_when_the_parent_inherited_it_ignored()
    {
        var (probe, report) = await Probe.StartAsync("stop-int", ignoringSigint: true);
        await using (probe)
        {
            Assert.Equal(["stopped", "0", "trapped"], report);
        }
    }

    [Fact]
    public async Task Stop_kills_a_child_that_ignores_the_signal_once_the_timeout_passes()
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var child = ChildProcess.Start(new("sh", ["-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"])
        {
            StopTimeout = TimeSpan.FromMilliseconds(500),
            Output = _ => ready.TrySetResult(),
        });
        await ready.Task.WaitAsync(Timeout);
        var descendants = ProcessTable.DescendantsOf(child.Id);
        var stopwatch = Stopwatch.StartNew();

        Assert.Equal(128 + 9, await child.StopAsync().WaitAsync(Timeout));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
        Assert.Empty(await ProcessTable.WaitUntilGoneAsync(descendants, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_missing_program_ends_the_child_with_exit_code_127_and_says_why()
    {
        await using var child = ChildProcess.Start(new("shop-no-such-program", []));

        Assert.Equal(127, await child.Exited.WaitAsync(Timeout));
        Assert.Contains(child.RecentOutput, line => line.Contains("shop-no-such-program", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Children_die_when_their_parent_is_SIGKILLed()
    {
        var (probe, report) = await Probe.StartAsync("sleep");
        await using var _ = probe;
        var sleep = int.Parse(report[1]);
        var tree = ProcessTable.DescendantsOf(probe.Id);
        Assert.Contains(sleep, tree);

        Process.GetProcessById(probe.Id).Kill(); // SIGKILL: no handler, no finally, no ProcessExit runs in the probe

        Assert.Empty(await ProcessTable.WaitUntilGoneAsync(tree, TimeSpan.FromSeconds(10)));
    }

    private static async Task<int> WatcherOfSleepingChildAsync(ChildProcess child)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var descendants = ProcessTable.DescendantsOf(child.Id);
            if (descendants.Count == 1 && Command(child.Id) == "sleep" && OpenFiles(descendants[0])["0"].StartsWith("pipe:", StringComparison.Ordinal))
            {
                return descendants[0];
            }

            Assert.True(DateTime.UtcNow < deadline, $"child {child.Id} did not exec sleep with one watcher reading the lifeline: {Command(child.Id)}, {descendants.Count} descendants");
            await Task.Delay(20);
        }
    }

    private static string Command(int pid) => File.ReadAllText($"/proc/{pid}/comm").Trim();

    // Descriptor number to what it points at, e.g. "pipe:[1234]" or "/dev/null".
    private static Dictionary<string, string> OpenFiles(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").ToDictionary(fd => Path.GetFileName(fd), fd => new FileInfo(fd).LinkTarget ?? "");
}
