using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shop.ServiceDefaults.Telemetry;

namespace Shop.ServiceDefaults.Grpc;

internal sealed class GrpcExceptionStatusOptions
{
    /// <summary>The status for an exception, e.g. UNAVAILABLE for a database that cannot be reached; null answers INTERNAL.</summary>
    public Func<Exception, Status?>? Map { get; set; }
}

/// <summary>
/// Turns an exception a handler throws into the status the suite's contract gives it. Grpc.AspNetCore would
/// answer UNKNOWN; a handler that throws broke an invariant of ours, so the answer is INTERNAL, or what the
/// service maps the exception to. The exception is logged and recorded on the server span, never sent.
/// </summary>
internal sealed partial class ExceptionStatusInterceptor(IOptions<GrpcExceptionStatusOptions> options, ILogger<ExceptionStatusInterceptor> logger) : Interceptor
{
    internal const string InternalMessage = "Internal error.";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        GrpcServerTelemetry.MarkRequestRead(context.GetHttpContext());
        try
        {
            return await continuation(request, context);
        }
        catch (Exception exception) when (exception is not RpcException && !context.CancellationToken.IsCancellationRequested)
        {
            // A call that was cancelled (deadline, caller gone) is answered by Grpc.AspNetCore; anything else is ours.
            var status = options.Value.Map?.Invoke(exception) ?? new Status(StatusCode.Internal, InternalMessage);
            LogHandlerFailed(logger, context.Method, status.StatusCode, exception);
            ExceptionTelemetry.Record(context.GetHttpContext().Features.Get<IHttpActivityFeature>()?.Activity, exception);
            throw new RpcException(status);
        }
    }

    // Streaming calls are only marked: the request stream is read by the handler, inside the call.
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        GrpcServerTelemetry.MarkRequestRead(context.GetHttpContext());
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        GrpcServerTelemetry.MarkRequestRead(context.GetHttpContext());
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        GrpcServerTelemetry.MarkRequestRead(context.GetHttpContext());
        return continuation(requestStream, responseStream, context);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "gRPC handler {Method} failed; answering {StatusCode}")]
    private static partial void LogHandlerFailed(ILogger logger, string method, StatusCode statusCode, Exception exception);
}
