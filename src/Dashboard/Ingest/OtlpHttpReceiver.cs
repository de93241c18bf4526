using System.Buffers;
using System.IO.Compression;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Shop.Dashboard.Hosting;
using Shop.Otlp.Collector.Logs.V1;
using Shop.Otlp.Collector.Metrics.V1;
using Shop.Otlp.Collector.Trace.V1;
using RpcStatus = Shop.Otlp.Rpc.Status;

namespace Shop.Dashboard.Ingest;

/// <summary>
/// OTLP/HTTP (specification: opentelemetry-proto docs/specification.md): POST /v1/traces, /v1/logs,
/// /v1/metrics with binary protobuf or JSON, optionally gzip. Errors answer with a google.rpc.Status body:
/// 400 undecodable, 401 wrong API key, 413 too large (also after decompression), 415 unsupported
/// content type or encoding, 503 with Retry-After when too many requests are being decoded.
/// </summary>
internal static class OtlpHttpReceiver
{
    public const string TracesPath = "/v1/traces";
    public const string LogsPath = "/v1/logs";
    public const string MetricsPath = "/v1/metrics";
    public const string ProtobufContentType = "application/x-protobuf";
    public const string JsonContentType = "application/json";

    public static void MapOtlpHttp(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(TracesPath, (HttpContext http, OtlpIngest ingest) =>
            Receive(http, ExportTraceServiceRequest.Parser, ingest.Accept)).WithMetadata(ListenerRole.OtlpHttp);
        endpoints.MapPost(LogsPath, (HttpContext http, OtlpIngest ingest) =>
            Receive(http, ExportLogsServiceRequest.Parser, ingest.Accept)).WithMetadata(ListenerRole.OtlpHttp);
        endpoints.MapPost(MetricsPath, (HttpContext http, OtlpIngest ingest) =>
            Receive(http, ExportMetricsServiceRequest.Parser, ingest.Accept)).WithMetadata(ListenerRole.OtlpHttp);
    }

    private static async Task Receive<TRequest, TResponse>(HttpContext http, MessageParser<TRequest> parser, Func<TRequest, TResponse> accept)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>
    {
        var services = http.RequestServices;
        var counters = services.GetRequiredService<IngestCounters>();
        var options = services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        var json = IsJson(http.Request.ContentType);
        if (!services.GetRequiredService<ApiKeyCheck>().OtlpAllowed(http.Request.Headers[ApiKeyCheck.OtlpHeader]))
        {
            counters.Unauthorized();
            await Fail(http, StatusCodes.Status401Unauthorized, $"Missing or wrong {ApiKeyCheck.OtlpHeader} header.", json);
            return;
        }

        if (!json && !IsProtobuf(http.Request.ContentType))
        {
            counters.BadRequest();
            await Fail(http, StatusCodes.Status415UnsupportedMediaType, $"Content-Type must be {ProtobufContentType} or {JsonContentType}.", json);
            return;
        }

        var encoding = http.Request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            counters.BadRequest();
            await Fail(http, StatusCodes.Status415UnsupportedMediaType, $"Content-Encoding '{encoding}' is not supported; use gzip or none.", json);
            return;
        }

        if (gzip)
        {
            counters.Gzip();
        }

        if (http.Request.ContentLength > options.MaxRequestBodyBytes)
        {
            counters.TooLarge();
            await Fail(http, StatusCodes.Status413PayloadTooLarge, $"Request body larger than {options.MaxRequestBodyBytes} bytes.", json);
            return;
        }

        var gate = services.GetRequiredService<IngestGate>();
        if (!await gate.EnterAsync(http.RequestAborted))
        {
            counters.Busy();
            http.Response.Headers.RetryAfter = "1";
            await Fail(http, StatusCodes.Status503ServiceUnavailable, "Too many export requests in progress; retry later.", json);
            return;
        }

        TResponse response;
        try
        {
            using var body = await ReadBody(http.Request.Body, gzip, options.MaxRequestBodyBytes, http.RequestAborted);
            if (body is null)
            {
                counters.TooLarge();
                await Fail(http, StatusCodes.Status413PayloadTooLarge, $"Request body larger than {options.MaxRequestBodyBytes} bytes{(gzip ? " after decompression" : "")}.", json);
                return;
            }

            response = accept(json ? OtlpJson.Parse<TRequest>(body.Span) : parser.ParseFrom(body.Span));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException or InvalidDataException)
        {
            counters.BadRequest();
            await Fail(http, StatusCodes.Status400BadRequest, $"Malformed {(json ? "OTLP/JSON" : "OTLP protobuf")} payload: {e.Message}", json);
            return;
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own verdict on the body (cut short, over its hard limit): answer it, do not log it as a failure.
            counters.BadRequest();
            await Fail(http, e.StatusCode, e.Message, json);
            return;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && http.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-request; there is no one to answer.
            return;
        }
        finally
        {
            gate.Exit();
        }

        await Write(http, StatusCodes.Status200OK, response, json);
    }

    private static bool IsProtobuf(string? contentType) => MediaType(contentType).Equals(ProtobufContentType, StringComparison.OrdinalIgnoreCase);

    private static bool IsJson(string? contentType) => MediaType(contentType).Equals(JsonContentType, StringComparison.OrdinalIgnoreCase);

    private static ReadOnlySpan<char> MediaType(string? contentType)
    {
        var value = (contentType ?? "").AsSpan();
        var parameters = value.IndexOf(';');
        return (parameters >= 0 ? value[..parameters] : value).Trim();
    }

    /// <summary>The whole body, decompressed when gzip; null as soon as it exceeds <paramref name="limit"/> bytes.</summary>
    private static async Task<PooledBuffer?> ReadBody(Stream body, bool gzip, int limit, CancellationToken cancellationToken)
    {
        var raw = await PooledBuffer.ReadAsync(body, limit, cancellationToken);
        if (raw is null || !gzip)
        {
            return raw;
        }

        using (raw)
        {
            using var compressed = new MemoryStream(raw.Array, 0, raw.Length, writable: false);
            await using var inflater = new GZipStream(compressed, CompressionMode.Decompress);
            return await PooledBuffer.ReadAsync(inflater, limit, cancellationToken);
        }
    }

    private static Task Fail(HttpContext http, int status, string message, bool json) =>
        Write(http, status, new RpcStatus { Message = message }, json);

    private static async Task Write(HttpContext http, int status, IMessage message, bool json)
    {
        http.Response.StatusCode = status;
        if (json)
        {
            http.Response.ContentType = JsonContentType;
            await http.Response.WriteAsync(OtlpJson.Format(message));
        }
        else
        {
            http.Response.ContentType = ProtobufContentType;
            await http.Response.Body.WriteAsync(message.ToByteArray());
        }
    }
}

/// <summary>A request body in a rented array.</summary>
internal sealed class PooledBuffer : IDisposable
{
    private PooledBuffer(byte[] array, int length)
    {
        Array = array;
        Length = length;
    }

    public byte[] Array { get; private set; }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => Array.AsSpan(0, Length);

    /// <summary>Reads <paramref name="stream"/> to the end; null when it holds more than <paramref name="limit"/> bytes.</summary>
    public static async Task<PooledBuffer?> ReadAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return null;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, (long)limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, limit + 1) - length), cancellationToken);
                if (read == 0)
                {
                    return new PooledBuffer(buffer, length);
                }

                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (Array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Array);
            Array = [];
        }
    }
}
