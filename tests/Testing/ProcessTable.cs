using System.Globalization;

namespace Shop.Testing;

/// <summary>What runs on this machine, read from Linux's /proc, for tests that assert no process is left behind.</summary>
public static class ProcessTable
{
    /// <summary>True while the process runs; a zombie has ended.</summary>
    public static bool IsRunning(int pid) => Stat(pid) is { } stat && stat.State != 'Z';

    /// <summary>The process' children, their children, and so on, as they are now.</summary>
    public static IReadOnlyList<int> DescendantsOf(int pid)
    {
        var parents = Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), out var id) ? id : 0)
            .Where(id => id > 0)
            .Select(id => (Id: id, Stat: Stat(id)))
            .Where(process => process.Stat is not null)
            .ToLookup(process => process.Stat!.Value.ParentId, process => process.Id);
        List<int> descendants = [];
        for (var next = new Queue<int>([pid]); next.TryDequeue(out var parent);)
        {
            foreach (var child in parents[parent])
            {
                descendants.Add(child);
                next.Enqueue(child);
            }
        }

        return descendants;
    }

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

    // /proc/<pid>/stat is "pid (comm) state ppid ..."; comm may itself hold spaces and parentheses.
    private static (char State, int ParentId)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null; // it ended
        }
    }
}
