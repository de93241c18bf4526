using Shop.Hosting;

namespace Shop.Testing;

/// <summary>What runs on this machine, read from Linux's /proc, for tests that assert no process is left behind.</summary>
public static class ProcessTable
{
    /// <summary>True while the process runs; a zombie has ended.</summary>
    public static bool IsRunning(int pid) => Stat(pid) is { } stat && stat.State != 'Z';

    /// <summary>The process' children, their children, and so on, as they are now.</summary>
    public static IReadOnlyList<int> DescendantsOf(int pid) => ProcessTree.DescendantsOf(pid);

    /// <summary>Waits until none of the processes runs any more; returns those still running when time is up.</summary>
    public static async Task<IReadOnlyList<int>> WaitUntilGoneAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var running = pids.Where(IsRunning).ToList();
        while (running.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            running = running.Where(IsRunning).ToList();
        }

        return running;
    }

    private static (char State, int ParentId)? Stat(int pid) => ProcessTree.Stat(pid);
}
