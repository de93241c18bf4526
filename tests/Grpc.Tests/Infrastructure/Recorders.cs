using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Shop.Conventions;

namespace Shop.Grpc.Tests.Infrastructure;

/// <summary>
/// The spans one host's OpenTelemetry tracer provider ends, as its exporter would get them: a processor added to the
/// provider AddServiceDefaults configures. Every provider in the process sees the activities of the sources it
/// listens to, so a recorder is attached to one host only.
/// </summary>
internal sealed class SpanRecorder : BaseProcessor<Activity>
{
    private readonly ConcurrentQueue<Activity> _started = new();
    private readonly ConcurrentQueue<Activity> _ended = new();

    public void AttachTo(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(this));

    public override void OnStart(Activity data) => _started.Enqueue(data);

    public override void OnEnd(Activity data) => _ended.Enqueue(data);

    /// <summary>The first started span of <paramref name="trace"/> that matches, ended or not.</summary>
    public Task<Activity> WaitForStartAsync(ActivityTraceId trace, Func<Activity, bool> match) =>
        Eventually.FindAsync(_started, a => a.TraceId == trace && match(a), $"started span in trace {trace}");

    /// <summary>The first ended span of <paramref name="trace"/> that matches; the server's may end after the client returned.</summary>
    public Task<Activity> WaitForAsync(ActivityTraceId trace, Func<Activity, bool> match) =>
        Eventually.FindAsync(_ended, a => a.TraceId == trace && match(a), $"span in trace {trace}");

    public IEnumerable<Activity> InTrace(ActivityTraceId trace) => _ended.Where(a => a.TraceId == trace);
}

/// <summary>The root activity a test starts its calls under, so that their trace can be told apart.</summary>
internal static class TestTrace
{
    private const string SourceName = "Shop.Grpc.Tests";

    // Listens to the test's own source only: which activities the services record is for their providers to decide.
    private static readonly ActivitySource Source = Listened(new ActivitySource(SourceName));

    public static Activity Start() => Source.StartActivity("test")
        ?? throw new InvalidOperationException($"Nothing listens to {SourceName}.");

    private static ActivitySource Listened(ActivitySource source)
    {
        // ActivitySource keeps its listeners for the life of the process.
        ActivitySource.AddActivityListener(new ActivityListener
        {
            ShouldListenTo = candidate => candidate.Name == SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        });
        return source;
    }
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

/// <summary>Waits, up to a deadline, for something another thread records: telemetry of a call may land after the call returned.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

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
