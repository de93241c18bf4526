using Google.Protobuf;
using Microsoft.Extensions.Options;
using Shop.Dashboard.Hosting;
using Shop.Grpc;
using Shop.Otlp.Collector.Logs.V1;
using Shop.Otlp.Collector.Metrics.V1;
using Shop.Otlp.Collector.Trace.V1;

namespace Shop.Dashboard.Ingest;

/// <summary>
/// OTLP/gRPC: the three collector services (TraceService, LogsService, MetricsService /Export) on
/// src/Grpc, over cleartext HTTP/2. A wrong <c>x-otlp-api-key</c> is UNAUTHENTICATED, too many requests
/// in progress UNAVAILABLE (retryable), invalid ids a partial success. Framing and decoding errors are
/// src/Grpc's: RESOURCE_EXHAUSTED over the size limit, INTERNAL for an undecodable message (as grpc-go,
/// and so the OpenTelemetry Collector, answers).
/// </summary>
internal static class OtlpGrpcReceiver
{
    public static void MapOtlpGrpc(this IEndpointRouteBuilder endpoints)
    {
        var grpc = endpoints.MapGroup("").WithMetadata(ListenerRole.OtlpGrpc);
        grpc.MapGrpcService(TraceServiceReflection.Descriptor.Services[0])
            .Unary<OtlpIngest, ExportTraceServiceRequest, ExportTraceServiceResponse>("Export", (ingest, request, context) => Receive(context, () => ingest.Accept(request)));
        grpc.MapGrpcService(LogsServiceReflection.Descriptor.Services[0])
            .Unary<OtlpIngest, ExportLogsServiceRequest, ExportLogsServiceResponse>("Export", (ingest, request, context) => Receive(context, () => ingest.Accept(request)));
        grpc.MapGrpcService(MetricsServiceReflection.Descriptor.Services[0])
            .Unary<OtlpIngest, ExportMetricsServiceRequest, ExportMetricsServiceResponse>("Export", (ingest, request, context) => Receive(context, () => ingest.Accept(request)));
    }

    private static async Task<TResponse> Receive<TResponse>(ServerCallContext context, Func<TResponse> accept)
        where TResponse : IMessage<TResponse>
    {
        var services = context.GetHttpContext().RequestServices;
        var counters = services.GetRequiredService<IngestCounters>();
        if (!services.GetRequiredService<ApiKeyCheck>().OtlpAllowed(context.RequestHeaders.GetValue(ApiKeyCheck.OtlpHeader)))
        {
            counters.Unauthorized();
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"Missing or wrong {ApiKeyCheck.OtlpHeader} metadata."));
        }

        var gate = services.GetRequiredService<IngestGate>();
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
/// gzip message compression for the OTLP/gRPC receiver, which src/Grpc does not do: a request with
/// <c>grpc-encoding: gzip</c> and a compressed message is handed on as an uncompressed one (bounded by
/// the message size limit, so a gzip bomb ends RESOURCE_EXHAUSTED). Undecodable gzip is passed on
/// still marked compressed, which src/Grpc answers INTERNAL, as the gRPC spec asks.
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

    /// <summary>A frame header announcing one byte more than the limit: src/Grpc answers RESOURCE_EXHAUSTED without reading on.</summary>
    private static byte[] TooLarge(int limit)
    {
        var header = new byte[FrameHeader];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)limit + 1);
        return header;
    }
}
