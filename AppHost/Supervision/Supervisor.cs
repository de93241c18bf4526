using System.Diagnostics;
using Shop.AppHost.Model;
using Shop.AppHost.Terminal;
using Shop.Hosting;

namespace Shop.AppHost.Supervision;

/// <summary>
/// Starts the resources in dependency order (independent ones at the same time), each once what it waits for is
/// healthy; then restarts any that exits with backoff; finally stops them in reverse order of declaration.
/// A resource that fails or exits before the whole suite is ready fails the start.
/// </summary>
internal sealed class Supervisor(IReadOnlyList<Resource> resources, ConsoleReporter console)
{
    /// <summary>A process that ran this long before it ended starts over with the shortest delay.</summary>
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(60);

    private readonly TaskCompletionSource<HostingException> _startupFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<Resource> _started = [];
    private readonly List<Task> _watchers = [];
    private CancellationToken _stopping;
    private volatile bool _ready;

    /// <summary>The delay before restart <paramref name="attempt"/> (1, 2, 4 ... 30 s).</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Max(0, attempt - 1))));

    /// <summary>Starts everything and returns once all of it is healthy; <paramref name="stopping"/> also ends the supervision later.</summary>
    /// <exception cref="HostingException">A resource could not start; the message says which and why.</exception>
    /// <exception cref="OperationCanceledException">A stop was asked for while starting.</exception>
    public async Task StartAsync(CancellationToken stopping)
    {
        _stopping = stopping;
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var healthy = resources.ToDictionary(r => r, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        async Task StartOneAsync(Resource resource)
        {
            try
            {
                await Task.WhenAll(resource.Dependencies.Select(d => healthy[d].Task)).WaitAsync(abandon.Token);
                console.StateChanged(resource, ResourceState.Starting);
                lock (_started)
                {
                    _started.Add(resource);
                }

                await resource.StartAsync(abandon.Token);
                console.StateChanged(resource, ResourceState.Running);
                healthy[resource].SetResult();
                lock (_watchers)
                {
                    _watchers.Add(WatchAsync(resource));
                }
            }
            catch
            {
                resource.State = ResourceState.Failed;
                healthy[resource].TrySetCanceled(abandon.Token);
                await abandon.CancelAsync();
                throw;
            }
        }

        var starts = resources.Select(StartOneAsync).ToList();
        var all = Task.WhenAll(starts);
        if (await Task.WhenAny(all, _startupFailure.Task) == _startupFailure.Task)
        {
            await abandon.CancelAsync();
            await all.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw await _startupFailure.Task;
        }

        try
        {
            await all;
        }
        catch (OperationCanceledException)
        {
            // The first real failure explains the others' cancellation.
            var failure = starts.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (failure is not null)
            {
                throw failure;
            }

            throw;
        }

        _ready = true;
    }

    /// <summary>Stops the watchers, then every started resource, in reverse order of declaration.</summary>
    public async Task StopAsync()
    {
        List<Task> watchers;
        lock (_watchers)
        {
            watchers = [.. _watchers];
        }

        // The watchers end on the stop token; one that is restarting something stops that start first.
        await Task.WhenAll(watchers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var resource in resources.Reverse())
        {
            bool started;
            lock (_started)
            {
                started = _started.Contains(resource);
            }

            if (started && resource.State is not ResourceState.Stopped)
            {
                console.StateChanged(resource, ResourceState.Stopping);
                await resource.StopAsync();
                console.StateChanged(resource, ResourceState.Stopped);
            }
        }
    }

    private async Task WatchAsync(Resource resource)
    {
        var attempt = 0;
        while (true)
        {
            var running = Stopwatch.StartNew();
            int exitCode;
            try
            {
                exitCode = await resource.Exited.WaitAsync(_stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            if (!_ready)
            {
                _startupFailure.TrySetResult(new HostingException(
                    $"{resource.Name} exited with code {exitCode} while the suite was starting. Its last output:", resource.RecentOutput));
                return;
            }

            if (running.Elapsed > StableAfter)
            {
                attempt = 0;
            }

            if (!await RestartAsync(resource, exitCode, () => ++attempt))
            {
                return;
            }
        }
    }

    // Tries until the resource is healthy again or a stop is asked for (false).
    private async Task<bool> RestartAsync(Resource resource, int exitCode, Func<int> nextAttempt)
    {
        var reason = $"exited with code {exitCode}";
        while (true)
        {
            var attempt = nextAttempt();
            var delay = Backoff(attempt);
            resource.Restarts++;
            console.StateChanged(resource, ResourceState.Restarting, $"{reason}; restart {resource.Restarts} in {delay.TotalSeconds:0.#} s");
            try
            {
                await Task.Delay(delay, _stopping);
                console.StateChanged(resource, ResourceState.Starting);
                await resource.StartAsync(_stopping);
                console.StateChanged(resource, ResourceState.Running, $"restart {resource.Restarts}");
                return true;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return false;
            }
            catch (HostingException e)
            {
                console.Error(e.Message);
                reason = "did not start again";
            }
        }
    }
}
