using Shop.Hosting;

namespace Shop.AppHost.Run;

/// <summary>
/// The state directory: data/ (kept across runs) and run/ (this run's files). A lock file in run/ keeps a second
/// AppHost off the same directory; the kernel drops the lock when we die, however we die.
/// </summary>
internal sealed class StateDirectory : IDisposable
{
    private readonly FileStream _lock;

    private StateDirectory(string root, FileStream @lock)
    {
        Root = root;
        _lock = @lock;
    }

    public string Root { get; }

    public string RunDirectory => Path.Combine(Root, "run");

    public string DataDirectory(string name) => Path.Combine(Root, "data", name);

    public string RunFile(string name) => Path.Combine(RunDirectory, name);

    public static StateDirectory Open(string root)
    {
        var run = Path.Combine(root, "run");
        Directory.CreateDirectory(run);
        Directory.CreateDirectory(Path.Combine(root, "data"));
        try
        {
            // FileShare.None is an exclusive flock on Unix; the descriptor is close-on-exec, so children do not hold it.
            var @lock = new FileStream(Path.Combine(run, "apphost.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new StateDirectory(root, @lock);
        }
        catch (IOException)
        {
            throw new HostingException(
                $"Another AppHost is running with the state directory {root}. Stop it, or give this one its own with --state-dir DIR.");
        }
    }

    public void Dispose() => _lock.Dispose();
}
