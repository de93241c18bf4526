using Shop.Hosting;
using Shop.Testing;

namespace Shop.AppHost.Tests;

/// <summary>Configuration is read once, at start (ShopSettings.ReadConfigurationOnce): no process of the suite watches files.</summary>
public sealed class FileWatchTests
{
    [Fact]
    public async Task No_process_of_the_suite_watches_the_directories_it_runs_from()
    {
        // From the repository, as `dotnet run --project AppHost` is: a host that reloads its configuration on change
        // watches every directory under its content root, the repository for the AppHost (1,248 watches before the change).
        await using var suite = await AppHostProcess.StartAsync(RepoPaths.Root, "--prometheus", "false");
        // DCP runs detached (its parent is init) and starts the rest: the AppHost, DCP and everything under DCP.
        var dcp = Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Single(pid => pid > 0 && ProcessTree.CommandLine(pid).Contains($" --monitor {suite.ProcessId} ", StringComparison.Ordinal));
        List<int> processes = [suite.ProcessId, dcp, .. ProcessTable.DescendantsOf(dcp)];
        Assert.Contains(processes, pid => ProcessTree.CommandLine(pid).Contains("Shop.Orders.dll", StringComparison.Ordinal));

        var watching = processes.Select(pid => (Command: ProcessTree.CommandLine(pid), Watches: InotifyWatches(pid))).Where(p => p.Watches > 0).ToList();
        Assert.True(watching.Count == 0, "Processes with inotify watches: " + string.Join("; ", watching.Select(p => $"{p.Command} ({p.Watches})")));
    }

    // One "inotify wd:" line per watch in the fdinfo of each inotify descriptor.
    private static int InotifyWatches(int pid)
    {
        try
        {
            return Directory.GetFiles($"/proc/{pid}/fd")
                .Where(fd => new FileInfo(fd).LinkTarget == "anon_inode:inotify")
                .Sum(fd => File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}").Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // the process ended
        }
    }
}
