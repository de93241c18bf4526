using System.Diagnostics;
using Shop.LoadGenerator.Recording;
using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Generation;

/// <summary>Drives one run: pools prepared, warm-up (not recorded), then the measured phase in the open or closed model.</summary>
internal static class LoadRunner
{
    public static async Task<RunResult> RunAsync(LoadOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        using var client = new ShopClient(options.Gateway, options.Tenants, options.MaxConnections, options.Timeout)
        {
            CheckoutRetry = options.CheckoutRetry,
            CheckoutAnswered = options.CheckoutAnswered,
        };
        var started = DateTimeOffset.UtcNow;
        await client.PrepareAsync(options.PoolUsers, options.PoolOrders, cancellationToken);
        if (options.WarmUp > TimeSpan.Zero)
        {
            await PhaseAsync(options, client, new Recorder(), options.WarmUp, null, cancellationToken);
        }

        await using var traceLog = options.TraceLogPath is { } path ? new TraceLog(path) : null;
        var recorder = new Recorder { KeepResults = options.KeepResults, Observer = traceLog is null ? null : traceLog.Add };
        if (options.BeforeMeasured is { } before)
        {
            await before(cancellationToken);
        }

        var measured = await PhaseAsync(options, client, recorder, options.Duration, options.Progress ? progress : null, cancellationToken);
        if (options.AfterMeasured is { } after)
        {
            await after(cancellationToken);
        }

        return new RunResult(options, started, measured.Elapsed, measured.MaxInFlight, recorder.Summarize(), recorder.Results, traceLog?.Path);
    }

    private static async Task<(TimeSpan Elapsed, int MaxInFlight)> PhaseAsync(
        LoadOptions options, ShopClient client, Recorder recorder, TimeSpan duration, TextWriter? progress, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporter = progress is null ? Task.CompletedTask : ReportProgressAsync(recorder, start, progress, stop.Token);
        var inFlight = new InFlight();
        if (options.Rate is { } rate)
        {
            await OpenAsync(new Schedule(start, rate), duration, options.Mix, client, recorder, inFlight, cancellationToken);
        }
        else
        {
            await ClosedAsync(options.VirtualUsers, start, duration, options.Mix, client, recorder, inFlight, cancellationToken);
        }

        await inFlight.DrainAsync();
        var elapsed = Stopwatch.GetElapsedTime(start);
        await stop.CancelAsync();
        await reporter;
        return (elapsed, inFlight.Max);
    }

    // Never waits for an answer: at each wake-up it launches every request that is due, then sleeps until the next one.
    private static async Task OpenAsync(Schedule schedule, TimeSpan duration, ScenarioMix mix, ShopClient client, Recorder recorder, InFlight inFlight, CancellationToken cancellationToken)
    {
        var total = (long)Math.Floor(duration.TotalSeconds * schedule.RatePerSecond);
        var random = new Random();
        long next = 0;
        while (next < total && !cancellationToken.IsCancellationRequested)
        {
            var due = Math.Min(total, schedule.DueBy(Stopwatch.GetTimestamp()));
            for (; next < due; next++)
            {
                inFlight.Track(Send(client, mix.Pick(random.NextDouble()), next, schedule.IntendedStart(next), recorder, cancellationToken));
            }

            if (next < total)
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), schedule.IntendedStart(next));
                if (wait > TimeSpan.Zero)
                {
                    // Rounded up to whole milliseconds: Task.Delay truncates, and a sub-millisecond wait would spin a core
                    // the suite needs. Waking up to 1 ms late costs nothing: latency counts from the intended start.
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        }
    }

    private static async Task ClosedAsync(int users, long start, TimeSpan duration, ScenarioMix mix, ShopClient client, Recorder recorder, InFlight inFlight, CancellationToken cancellationToken)
    {
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long sequence = 0;
        await Task.WhenAll(Enumerable.Range(0, users).Select(_ => Task.Run(async () =>
        {
            var random = new Random();
            while (Stopwatch.GetTimestamp() < end && !cancellationToken.IsCancellationRequested)
            {
                // A virtual user waits for each answer, so its next request is intended when it is sent.
                await Send(client, mix.Pick(random.NextDouble()), Interlocked.Increment(ref sequence), Stopwatch.GetTimestamp(), recorder, cancellationToken);
            }
        }, cancellationToken)));
    }

    private static async Task Send(ShopClient client, Scenario scenario, long sequence, long intendedStart, Recorder recorder, CancellationToken cancellationToken)
    {
        try
        {
            recorder.Add(await client.RunAsync(scenario, sequence, intendedStart, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run was stopped: an unfinished request has no latency to report.
        }
    }

    private static async Task ReportProgressAsync(Recorder recorder, long start, TextWriter progress, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var last = Stopwatch.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = Stopwatch.GetTimestamp();
                var (latencies, errors) = recorder.TakeInterval();
                var seconds = Stopwatch.GetElapsedTime(last, now).TotalSeconds;
                last = now;
                var summary = Percentiles.Summarize(latencies);
                progress.WriteLine(FormattableString.Invariant(
                    $"{Stopwatch.GetElapsedTime(start, now).TotalSeconds,5:0}s  {latencies.Count / seconds,7:0.0} req/s  p50 {summary.P50,8:0.00} ms  p99 {summary.P99,8:0.00} ms  errors {errors}"));
            }
        }
        catch (OperationCanceledException)
        {
            // Run finished.
        }
    }

    /// <summary>Requests sent and not yet answered; the run ends when they are all in.</summary>
    private sealed class InFlight
    {
        private readonly Lock _lock = new();
        private readonly HashSet<Task> _tasks = [];

        public int Max { get; private set; }

        public void Track(Task task)
        {
            lock (_lock)
            {
                _tasks.Add(task);
                Max = Math.Max(Max, _tasks.Count);
            }

            task.ContinueWith(t => { lock (_lock) { _tasks.Remove(t); } }, TaskScheduler.Default);
        }

        public Task DrainAsync()
        {
            lock (_lock)
            {
                return Task.WhenAll([.. _tasks]);
            }
        }
    }
}

/// <summary>What a run measured.</summary>
internal sealed record RunResult(LoadOptions Options, DateTimeOffset Started, TimeSpan Elapsed, int MaxInFlight, IReadOnlyList<ScenarioStats> Scenarios, IReadOnlyList<RequestResult> Results, string? TraceLogPath)
{
    public int Requests => Scenarios.Sum(s => s.Requests);

    public double Throughput => Requests / Elapsed.TotalSeconds;

    public ScenarioStats? this[Scenario scenario] => Scenarios.FirstOrDefault(s => s.Scenario == scenario.Name());
}
