namespace Shop.Hosting;

/// <summary>
/// A private temporary directory that belongs to this process while it lives. A lock file inside it stays open,
/// and the kernel drops the lock when the process dies, however it dies; a later instance then removes the
/// directory its killed owner could not.
/// </summary>
internal sealed class RunDirectory : IDisposable
{
    private const string Prefix = "shop-postgres-";
    private const string LockFileName = ".owner.lock";

    // A directory's write time is that of its newest entry, so an older one had its lock file long enough for the
    // owner to lock it; a younger one may belong to a process between creating the lock file and locking it.
    private static readonly TimeSpan MinimumLeftoverAge = TimeSpan.FromSeconds(10);

    private readonly FileStream _lock;

    private RunDirectory(string fullPath)
    {
        FullPath = fullPath;
        _lock = Lock(fullPath);
    }

    public string FullPath { get; }

    public static RunDirectory Create()
    {
        RemoveLeftovers(MinimumLeftoverAge);
        return new RunDirectory(Directory.CreateTempSubdirectory(Prefix).FullName);
    }

    /// <summary>Removes the run directories of processes that died without removing them.</summary>
    internal static void RemoveLeftovers(TimeSpan minimumAge)
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            if (Directory.GetLastWriteTimeUtc(directory) > DateTime.UtcNow - minimumAge)
            {
                continue;
            }

            try
            {
                using var ownerIsGone = Lock(directory);
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Its owner lives, or it belongs to another user: not ours to remove.
            }
        }
    }

    public void Dispose()
    {
        _lock.Dispose();
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Already gone, or something still writes there: RemoveLeftovers takes it next time.
        }
    }

    // FileShare.None takes an exclusive advisory lock (flock) on Unix; the descriptor is close-on-exec,
    // so no child process keeps the lock alive after we die.
    private static FileStream Lock(string directory) =>
        new(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
}
