using System.Globalization;

namespace Shop.LoadGenerator.Reporting;

/// <summary>The conditions a figure was measured under: cores, OS, runtime, and how busy the box was.</summary>
internal static class MachineInfo
{
    /// <summary>The 1-minute load average from /proc/loadavg, NaN where there is none.</summary>
    public static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    public static string Describe() => FormattableString.Invariant(
        $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; load average {LoadAverage():0.00} (1 min)");

    /// <summary>Jiffies of all CPUs from /proc/stat: (total, stolen by the hypervisor), or zeros where there is none.</summary>
    public static (long Total, long Steal) CpuJiffies()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already in user.
            return (fields.Take(8).Sum(), fields.Length > 7 ? fields[7] : 0);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    /// <summary>The share of the machine's CPU time the hypervisor gave to others between two readings: figures measured under steal are low.</summary>
    public static double StealShare((long Total, long Steal) start, (long Total, long Steal) end) =>
        end.Total > start.Total ? (double)(end.Steal - start.Steal) / (end.Total - start.Total) : double.NaN;
}
