using Shop.LoadGenerator.Scenarios;
using System.Text.Json;
using System.Threading.Channels;

namespace Shop.LoadGenerator.Recording;

/// <summary>
/// Writes one JSON line per request (trace id, scenario, outcome, status, latency) from a background task, so the
/// request path only enqueues. The file lets anyone check afterwards which requests the dashboard captured.
/// </summary>
internal sealed class TraceLog : IAsyncDisposable
{
    private readonly Channel<RequestResult> _queue = Channel.CreateUnbounded<RequestResult>(new() { SingleReader = true });
    private readonly Task _writer;

    public TraceLog(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _writer = Task.Run(WriteAsync);
    }

    public string Path { get; }

    public void Add(RequestResult result) => _queue.Writer.TryWrite(result);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    /// <summary>Reads a trace log back.</summary>
    public static IEnumerable<TraceLogEntry> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<TraceLogEntry>(l, JsonOptions)!);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private async Task WriteAsync()
    {
        await using var stream = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
        var json = new Utf8JsonWriter(stream);
        var newline = "\n"u8.ToArray();
        await foreach (var r in _queue.Reader.ReadAllAsync())
        {
            json.WriteStartObject();
            json.WriteString("traceId", r.TraceId);
            json.WriteString("scenario", r.Scenario.Name());
            json.WriteString("outcome", r.Outcome);
            json.WriteNumber("status", r.Status);
            json.WriteNumber("latencyMs", Math.Round(r.LatencyMs, 3));
            json.WriteNumber("serviceMs", Math.Round(r.ServiceMs, 3));
            json.WriteNumber("endUnixMs", r.EndUnixMs);
            json.WriteEndObject();
            await json.FlushAsync();
            json.Reset();
            await stream.WriteAsync(newline);
        }

        await stream.FlushAsync();
    }
}

/// <summary>One line of the trace log.</summary>
internal sealed record TraceLogEntry(string? TraceId, string Scenario, string Outcome, int Status, double LatencyMs, double ServiceMs, long EndUnixMs);
