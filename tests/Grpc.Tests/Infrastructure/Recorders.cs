using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Shop.Conventions;

namespace Shop.Grpc.Tests.Infrastructure;

/// <summary>Keeps the activities of the gRPC, ASP.NET Core and HttpClient sources that stop while it listens.</summary>
internal sealed class ActivityRecorder : IDisposable
{
    /// <summary>The source of the root activity a test starts, so its trace can be told apart.</summary>
    public static readonly ActivitySource TestSource = new(TestSourceName);

    // Compared by name: the listener may be asked about sources while TestSource itself is being created.
    private const string TestSourceName = "Shop.Grpc.Tests";

    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public ActivityRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is TelemetrySources.Grpc or TelemetrySources.AspNetCore
                or TelemetrySources.HttpClient or TestSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The first stopped activity of <paramref name="trace"/> that matches; the server's may stop after the client returned.</summary>
    public Task<Activity> WaitForAsync(ActivityTraceId trace, Func<Activity, bool> match) =>
        Eventually.FindAsync(_stopped, a => a.TraceId == trace && match(a), $"activity in trace {trace}");

    public IEnumerable<Activity> InTrace(ActivityTraceId trace) => _stopped.Where(a => a.TraceId == trace);

    public void Dispose() => _listener.Dispose();
}

/// <summary>Keeps the measurements of the Shop.Grpc meter taken while it listens.</summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    public MetricRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == TelemetrySources.Grpc)
            {
                Instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            Measurements.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        _listener.Start();
    }

    public ConcurrentDictionary<string, Instrument> Instruments { get; } = new();

    public ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

    /// <summary>The first measurement of <paramref name="instrument"/> that matches; the server records after it answered.</summary>
    public Task<(string Instrument, double Value, Dictionary<string, object?> Tags)> WaitForAsync(
        string instrument, Func<Dictionary<string, object?>, bool> match) =>
        Eventually.FindAsync(Measurements, m => m.Instrument == instrument && match(m.Tags), $"{instrument} measurement");

    public void Dispose() => _listener.Dispose();
}

/// <summary>Waits for something another thread records: telemetry of a call may land after the call returned.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<T> FindAsync<T>(IEnumerable<T> items, Func<T, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            foreach (var item in items)
            {
                if (match(item))
                {
                    return item;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No matching {what} within {Timeout.TotalSeconds} s.");
            }

            await Task.Delay(20);
        }
    }
}
