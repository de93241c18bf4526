using System.Diagnostics;

namespace Shop.Testing;

/// <summary>What the test's external servers (Prometheus, Alertmanager) share: stopping them and removing their folder.</summary>
internal static class ServerProcess
{
    /// <summary>Kills the process tree if still running, then deletes its folder, also when killing failed.</summary>
    public static async Task StopAndDeleteAsync(Process process, string directory)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        finally
        {
            process.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }
}
