using System.Diagnostics;
using System.Text.Json;
using Shop.LoadGenerator.Generation;

namespace Shop.LoadGenerator.Tests;

public sealed class SchedulingTests
{
    private static readonly long Second = Stopwatch.Frequency;

    [Fact]
    public void The_generator_runs_with_a_thread_pool_that_does_not_spin_for_work()
    {
        // LoadGenerator.csproj (ThreadPoolSpinCount): the runtimeconfig.json its build writes beside Shop.LoadGenerator.dll
        // (and copies here), which its runtime reads at start. Spinning workers took half its CPU, on the suite's cores.
        var path = Path.Combine(AppContext.BaseDirectory, "Shop.LoadGenerator.runtimeconfig.json");
        using var runtimeConfig = JsonDocument.Parse(File.ReadAllText(path));
        var properties = runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var spinLimit), "the generator spins");
        Assert.Equal(0, spinLimit.GetInt32());
    }

    [Fact]
    public void Request_i_is_due_at_start_plus_i_over_the_rate()
    {
        var schedule = new Schedule(StartTimestamp: 1_000 * Second, RatePerSecond: 400);

        Assert.Equal(1_000 * Second, schedule.IntendedStart(0));
        Assert.Equal(1_000 * Second + Second / 400 * 100, schedule.IntendedStart(100), tolerance: 1);
        Assert.Equal(1_001 * Second, schedule.IntendedStart(400));
    }

    [Fact]
    public void Requests_due_count_every_slot_that_has_passed_even_when_the_sender_fell_behind()
    {
        var schedule = new Schedule(StartTimestamp: 10 * Second, RatePerSecond: 100);

        Assert.Equal(0, schedule.DueBy(9 * Second));
        Assert.Equal(1, schedule.DueBy(10 * Second));
        // Woken 2.5 s late (a stalled sender or GC pause): all 250 slots of those 2.5 s are due at once, none skipped.
        Assert.Equal(251, schedule.DueBy(10 * Second + 5 * Second / 2));
    }

    [Fact]
    public void Latency_counts_from_the_intended_start_so_a_stall_is_charged_to_every_request_behind_it()
    {
        // Coordinated omission: the system stalls for 1 s at 100 req/s. A closed-loop client measuring from its own
        // send would record one slow request; from the intended start the 100 requests that should have gone out in
        // that second each waited, from 1 s down to 10 ms.
        var schedule = new Schedule(StartTimestamp: 0, RatePerSecond: 100);
        var stallEnds = 1 * Second;
        var serviceTime = Second / 1000;

        var latencies = Enumerable.Range(0, 100)
            .Select(i => Schedule.Latency(schedule.IntendedStart(i), stallEnds + serviceTime).TotalMilliseconds)
            .ToList();

        Assert.Equal(1001, latencies[0], tolerance: 0.01);
        Assert.Equal(11, latencies[99], tolerance: 0.01);
        Assert.Equal(100, latencies.Count(l => l > 10));
    }
}
