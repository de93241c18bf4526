using System.Globalization;

namespace Shop.Hosting;

/// <summary>Processes as Linux's /proc shows them: a process' descendants, its command line and the CPU time it used.</summary>
public static class ProcessTree
{
    // USER_HZ, the unit of /proc's times: 100 on every Linux architecture .NET runs on (sysconf(_SC_CLK_TCK)).
    private const double TicksPerSecond = 100;

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

    /// <summary>The process' state letter (Z for a zombie) and parent, or null once it ended.</summary>
    public static (char State, int ParentId)? Stat(int pid) =>
        StatFields(pid) is { } fields ? (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture)) : null;

    /// <summary>User plus system CPU time the process used so far (its own threads, not its children), or null once it ended.</summary>
    public static TimeSpan? CpuTime(int pid) =>
        StatFields(pid) is { } fields
            ? TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond)
            : null;

    /// <summary>The arguments the process was started with, joined by spaces; empty once it ended.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Replace('\0', ' ').TrimEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }

    // /proc/<pid>/stat is "pid (comm) state ppid ..."; comm may itself hold spaces and parentheses. Returns the fields after comm.
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // it ended
        }
    }
}
