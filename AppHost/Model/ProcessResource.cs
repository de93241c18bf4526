using Shop.Hosting;

namespace Shop.AppHost.Model;

/// <summary>A resource that is a child process, healthy when its health URL answers 2xx.</summary>
internal abstract class ProcessResource(string name, Action<Resource, OutputLine> output) : Resource(name)
{
    private static readonly Task<int> NeverStarted = new TaskCompletionSource<int>().Task;

    private ChildProcess? _process;

    /// <summary>Wiring variables, evaluated when the process starts (a connection string is known only once PostgreSQL runs).</summary>
    public Dictionary<string, Func<string?>> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Path and query of the health endpoint on the first endpoint.</summary>
    public string HealthPath { get; set; } = "/health";

    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(90);

    public override Task<int> Exited => _process?.Exited ?? NeverStarted;

    public override IReadOnlyList<string> RecentOutput => _process?.RecentOutput ?? [];

    /// <summary>The process id while it runs.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>Sets a variable for the child.</summary>
    public void SetEnvironment(string variable, string? value) => Environment[variable] = () => value;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await StopAsync(); // a restarted process replaces the one that ended
        var command = await PrepareAsync(cancellationToken) with
        {
            Output = line => output(this, line),
            NewSession = true, // Ctrl+C in a terminal reaches only the AppHost, which stops the children in order
            RecentLines = 40,
        };
        var process = _process = ChildProcess.Start(command);
        try
        {
            await HttpHealth.WaitAsync(new Uri(Endpoints[0].Url + HealthPath), StartTimeout, process, cancellationToken);
        }
        catch (HostingException e)
        {
            // An exit is reported with the last output already; a timeout gets it here.
            var recent = process.Exited.IsCompleted ? [] : process.RecentOutput;
            await StopAsync();
            throw new HostingException($"{Name} could not start: {e.Message}", recent);
        }
        catch
        {
            await StopAsync(); // cancelled: a stop was asked for while it started
            throw;
        }
    }

    public override async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _process, null) is { } process)
        {
            await process.DisposeAsync();
        }
    }

    /// <summary>The command to run; may write configuration files first.</summary>
    protected abstract Task<ChildProcessOptions> PrepareAsync(CancellationToken cancellationToken);

    /// <summary>The wiring variables' values now.</summary>
    protected Dictionary<string, string?> EvaluateEnvironment() =>
        Environment.ToDictionary(variable => variable.Key, variable => variable.Value(), StringComparer.Ordinal);
}
