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
}
