using Shop.Hosting;

namespace Shop.AppHost.Model;

/// <summary>A program found on PATH (Prometheus, Alertmanager), with configuration written just before it starts.</summary>
internal sealed class ExecutableResource(string name, string path, Action<Resource, OutputLine> output) : ProcessResource(name, output)
{
    /// <summary>Writes the configuration (the ports are known by then) and returns the arguments.</summary>
    public Func<CancellationToken, Task<IReadOnlyList<string>>> Arguments { get; set; } = _ => Task.FromResult<IReadOnlyList<string>>([]);

    public string? WorkingDirectory { get; set; }

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? Find(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    protected override async Task<ChildProcessOptions> PrepareAsync(CancellationToken cancellationToken) =>
        new(path, await Arguments(cancellationToken))
        {
            WorkingDirectory = WorkingDirectory,
            Environment = EvaluateEnvironment(),
        };
}
