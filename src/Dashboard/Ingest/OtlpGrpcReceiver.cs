using Grpc.Core;
using Microsoft.Extensions.Options;
using Shop.Dashboard.Hosting;
using Shop.Otlp.Collector.Logs.V1;
using Shop.Otlp.Collector.Metrics.V1;
using Shop.Otlp.Collector.Trace.V1;

namespace Shop.Dashboard.Ingest;

/// <summary>
/// OTLP/gRPC: the three collector services (TraceService, LogsService, MetricsService /Export) on
/// Grpc.AspNetCore, over the cleartext HTTP/2 listener. A wrong <c>x-otlp-api-key</c> is UNAUTHENTICATED,
/// too many requests in progress UNAVAILABLE (retryable), invalid ids a partial success. Framing and
/// decoding errors are Grpc.AspNetCore's: RESOURCE_EXHAUSTED over the size limit
/// (<c>MaxReceiveMessageSize</c> = Dashboard:MaxRequestBodyBytes), and its status for an undecodable message.
/// </summary>
internal static class OtlpGrpcReceiver
{
    public static void AddOtlpGrpc(this IServiceCollection services, DashboardOptions options)
    {
        services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = options.MaxRequestBodyBytes);
        services.AddSingleton<OtlpGrpcCalls>();
    }

    public static void MapOtlpGrpc(this IEndpointRouteBuilder endpoints)
    {
        // The group's metadata marks every endpoint (unimplemented-method fallbacks too) as the gRPC
        // listener's, so DashboardSecurity answers 404 for them on the query and OTLP/HTTP ports.
        var grpc = endpoints.MapGroup("").WithMetadata(ListenerRole.OtlpGrpc);
        grpc.MapGrpcService<OtlpTraceService>();
        grpc.MapGrpcService<OtlpLogsService>();
        grpc.MapGrpcService<OtlpMetricsService>();
    }
}

internal sealed class OtlpTraceService(OtlpIngest ingest, OtlpGrpcCalls calls) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context) =>
        calls.ReceiveAsync(context, () => ingest.Accept(request));
}

internal sealed class OtlpLogsService(OtlpIngest ingest, OtlpGrpcCalls calls) : LogsService.LogsServiceBase
{
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context) =>
        calls.ReceiveAsync(context, () => ingest.Accept(request));
}

internal sealed class OtlpMetricsService(OtlpIngest ingest, OtlpGrpcCalls calls) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context) =>
        calls.ReceiveAsync(context, () => ingest.Accept(request));
}

/// <summary>What every Export call does around the ingest: the API key, then a slot of the ingest gate.</summary>
internal sealed class OtlpGrpcCalls(ApiKeyCheck apiKey, IngestGate gate, IngestCounters counters)
{
    public async Task<TResponse> ReceiveAsync<TResponse>(ServerCallContext context, Func<TResponse> accept)
    {
        if (!apiKey.OtlpAllowed(context.RequestHeaders.GetValue(ApiKeyCheck.OtlpHeader)))
        {
            counters.Unauthorized();
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Missing or wrong {ApiKeyCheck.OtlpHeader} metadata."));
        }

        if (!await gate.EnterAsync(context.CancellationToken))
        {
            counters.Busy();
            throw new RpcException(new Status(StatusCode.Unavailable, "Too many export requests in progress; retry later."));
        }

        try
        {
            return accept();
        }
        finally
        {
            gate.Exit();
        }
    }
}

/// <summary>
/// gzip message compression for the OTLP/gRPC receiver, inflated before Grpc.AspNetCore sees it so that
/// inflating stops at our limit whatever the package does, and gzip exports are counted. A request with <c>grpc-encoding: gzip</c> and a compressed message is handed on as an
/// uncompressed one, inflated no further than the message size limit (a gzip bomb ends RESOURCE_EXHAUSTED),
/// and counted. Undecodable gzip is passed on still marked compressed but without <c>grpc-encoding</c>,
/// which Grpc.AspNetCore answers INTERNAL, as the gRPC spec asks.
/// </summary>
internal static class GrpcGzipRequests
{
    private const string EncodingHeader = "grpc-encoding";
    private const int FrameHeader = 5;

    public static IApplicationBuilder UseGrpcGzipRequests(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Headers[EncodingHeader] == "gzip"
            && http.RequestServices.GetRequiredService<Listeners>().Serves(http.Connection.LocalPort, ListenerRole.OtlpGrpc))
        {
            var limit = http.RequestServices.GetRequiredService<IOptions<DashboardOptions>>().Value.MaxRequestBodyBytes;
            http.Request.Body = new MemoryStream(await Inflate(http.Request.Body, limit, http.RequestAborted));
            http.Request.Headers.Remove(EncodingHeader);
            http.RequestServices.GetRequiredService<IngestCounters>().Gzip();
        }

        await next(http);
    });

    private static async Task<byte[]> Inflate(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var frame = await PooledBuffer.ReadAsync(body, limit + FrameHeader, cancellationToken);
        if (frame is null)
        {
            return TooLarge(limit);
        }

        if (!IsOneCompressedMessage(frame.Span))
        {
            return frame.Span.ToArray();
        }

        try
        {
            using var compressed = new MemoryStream(frame.Array, FrameHeader, frame.Length - FrameHeader, writable: false);
            await using var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionMode.Decompress);
            using var message = await PooledBuffer.ReadAsync(gzip, limit, cancellationToken);
            if (message is null)
            {
                return TooLarge(limit);
            }

            var inflated = new byte[FrameHeader + message.Length];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(inflated.AsSpan(1), (uint)message.Length);
            message.Span.CopyTo(inflated.AsSpan(FrameHeader));
            return inflated;
        }
        catch (InvalidDataException)
        {
            return frame.Span.ToArray();
        }
    }

    private static bool IsOneCompressedMessage(ReadOnlySpan<byte> frame) =>
        frame.Length >= FrameHeader && frame[0] == 1
        && (long)frame.Length == FrameHeader + System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame[1..]);

    /// <summary>A frame header announcing one byte more than the limit: Grpc.AspNetCore answers RESOURCE_EXHAUSTED without reading on.</summary>
    private static byte[] TooLarge(int limit)
    {
        var header = new byte[FrameHeader];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)limit + 1);
        return header;
    }
}
