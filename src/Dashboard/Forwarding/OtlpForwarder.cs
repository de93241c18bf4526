using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Shop.Dashboard.Forwarding;

internal enum TelemetrySignal
{
    Traces,
    Logs,
    Metrics,
}

/// <summary>Sends one OTLP export request upstream; throws on failure.</summary>
internal interface IForwardTransport
{
    Task SendAsync(TelemetrySignal signal, IMessage request, CancellationToken cancellationToken);
}

/// <summary>
/// Forwards kept telemetry to an upstream OTLP endpoint in the background. The queue is bounded by
/// items (spans, log records, data points): when full, new batches are dropped and counted, so a slow
/// or absent upstream never blocks ingest nor grows memory. Failures are logged and counted, not retried.
/// </summary>
internal sealed partial class OtlpForwarder : BackgroundService
{
    private readonly ForwardOptions _options;
    private readonly IForwardTransport? _transport;
    private readonly ILogger<OtlpForwarder> _logger;
    private readonly HashSet<TelemetrySignal> _signals;
    private readonly Channel<(TelemetrySignal Signal, IMessage Request, int Items)> _queue =
        Channel.CreateUnbounded<(TelemetrySignal, IMessage, int)>(new UnboundedChannelOptions { SingleReader = true });
    private long _queuedItems;
    private long _sentItems;
    private long _sentRequests;
    private long _failedRequests;
    private long _failedItems;
    private long _droppedItems;

    public OtlpForwarder(IOptions<DashboardOptions> options, ForwardTransportFactory transports, ILogger<OtlpForwarder> logger)
    {
        _options = options.Value.Forward;
        _logger = logger;
        _transport = transports.Create(_options);
        _signals = _transport is null ? [] : ParseSignals(_options.Signals);
        LogsFollowTraces = _options.LogsFollowTraces && options.Value.TailSampling.Enabled && Forwards(TelemetrySignal.Logs);
    }

    public bool Forwards(TelemetrySignal signal) => _signals.Contains(signal);

    /// <summary>Log records are forwarded, with tail sampling on, and each record of a trace goes only with its trace (the sampler holds it).</summary>
    public bool LogsFollowTraces { get; }

    /// <summary>Queues a request for sending, or drops it (counted) when the queue is full.</summary>
    public void Enqueue(TelemetrySignal signal, IMessage request, int items)
    {
        if (!Forwards(signal) || items == 0)
        {
            return;
        }

        if (Interlocked.Add(ref _queuedItems, items) > _options.MaxQueuedItems)
        {
            Interlocked.Add(ref _queuedItems, -items);
            Interlocked.Add(ref _droppedItems, items);
            return;
        }

        _queue.Writer.TryWrite((signal, request, items));
    }

    public ForwardStats Stats() => new(
        _transport is null ? null : _options.Endpoint,
        _transport is null ? null : _options.Protocol,
        [.. _signals.Select(s => s.ToString().ToLowerInvariant())],
        _transport is null ? null : _options.NormalTracesPerSecond,
        _transport is null ? null : _options.ErrorAndSlowTracesPerSecond,
        LogsFollowTraces,
        Interlocked.Read(ref _queuedItems),
        Interlocked.Read(ref _sentItems),
        Interlocked.Read(ref _sentRequests),
        Interlocked.Read(ref _failedItems),
        Interlocked.Read(ref _failedRequests),
        Interlocked.Read(ref _droppedItems));

    internal static HashSet<TelemetrySignal> ParseSignals(string signals)
    {
        var result = new HashSet<TelemetrySignal>();
        foreach (var name in signals.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            result.Add(Enum.TryParse<TelemetrySignal>(name, ignoreCase: true, out var signal)
                ? signal
                : throw new InvalidOperationException($"Dashboard:Forward:Signals has '{name}'; use traces, logs and/or metrics."));
        }

        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_transport is null)
        {
            return;
        }

        var signals = string.Join(",", _signals);
        LogForwarding(_logger, _options.Endpoint!, _options.Protocol, signals);
        try
        {
            await foreach (var (signal, request, items) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                Interlocked.Add(ref _queuedItems, -items);
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(_options.Timeout);
                    await _transport.SendAsync(signal, request, timeout.Token);
                    Interlocked.Add(ref _sentItems, items);
                    Interlocked.Increment(ref _sentRequests);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    Interlocked.Add(ref _failedItems, items);
                    var failures = Interlocked.Increment(ref _failedRequests);

                    // The first failure and then every 100th: enough to notice, never a flood.
                    if (failures == 1 || failures % 100 == 0)
                    {
                        LogForwardFailed(_logger, signal, _options.Endpoint!, failures, e.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forwarding {Signals} to {Endpoint} over {Protocol}")]
    private static partial void LogForwarding(ILogger logger, string endpoint, string protocol, string signals);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding {Signal} to {Endpoint} failed ({Failures} failed requests so far): {Error}")]
    private static partial void LogForwardFailed(ILogger logger, TelemetrySignal signal, string endpoint, long failures, string error);
}

internal sealed record ForwardStats(string? Endpoint, string? Protocol, string[] Signals, double? NormalTracesPerSecond, double? ErrorAndSlowTracesPerSecond, bool LogsFollowTraces, long QueuedItems, long SentItems, long SentRequests, long FailedItems, long FailedRequests, long DroppedItems);
