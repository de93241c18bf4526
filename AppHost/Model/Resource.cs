namespace Shop.AppHost.Model;

/// <summary>What the console shows for a resource.</summary>
internal enum ResourceState
{
    Waiting,
    Starting,
    Running,
    Restarting,
    Stopping,
    Stopped,
    Failed,
}

/// <summary>One thing the AppHost runs: its name, what it waits for, its addresses, and how to start, watch and stop it.</summary>
internal abstract class Resource(string name)
{
    public string Name => name;

    /// <summary>Resources that must be healthy before this one starts.</summary>
    public List<Resource> Dependencies { get; } = [];

    /// <summary>The resource's addresses; the first is the one the console shows.</summary>
    public List<Endpoint> Endpoints { get; } = [];

    public ResourceState State { get; set; } = ResourceState.Waiting;

    /// <summary>How often the supervisor restarted it.</summary>
    public int Restarts { get; set; }

    /// <summary>What the console table shows as the address.</summary>
    public virtual string? DisplayUrl => Endpoints.FirstOrDefault()?.Url;

    /// <summary>Completes with the exit code when the current process ends; never for a resource without a process.</summary>
    public abstract Task<int> Exited { get; }

    /// <summary>The last output lines, for the report when it cannot start.</summary>
    public abstract IReadOnlyList<string> RecentOutput { get; }

    public Endpoint Endpoint(string endpointName) =>
        Endpoints.Find(e => e.Name == endpointName)
        ?? throw new InvalidOperationException($"{Name} has no endpoint '{endpointName}'.");

    /// <summary>Starts the resource and returns once it is healthy.</summary>
    /// <exception cref="Shop.Hosting.HostingException">It exited or stayed unhealthy; the message says why.</exception>
    public abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops the resource; does nothing when it is not running.</summary>
    public abstract Task StopAsync();

    /// <summary>Adds a resource that must be healthy first.</summary>
    public void WaitFor(Resource dependency)
    {
        if (!Dependencies.Contains(dependency))
        {
            Dependencies.Add(dependency);
        }
    }
}
