using System.Diagnostics;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Shop.Grpc;

/// <summary>One unary method's endpoint: validates the request, runs the handler under the deadline, writes response and status.</summary>
internal sealed class UnaryServerMethod<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    Func<HttpContext, TRequest, ServerCallContext, Task<TResponse>> handler,
    GrpcServer server)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    public async Task HandleAsync(HttpContext http)
    {
        // Routing matches paths case-insensitively; gRPC paths are case-sensitive.
        if (!string.Equals(http.Request.Path.Value, method.FullName, StringComparison.Ordinal))
        {
            await server.HandleUnimplementedAsync(http);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var activity = GrpcTelemetry.EnrichServerCall(http, method.ServiceName, method.Name);
        var status = await CallAsync(http, activity);
        GrpcTelemetry.EndServerCall(activity, started, method.ServiceName, method.Name, status);
    }

    private async Task<Status> CallAsync(HttpContext http, Activity? activity)
    {
        var request = http.Request;
        var response = http.Response;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            // The spec's answer, so that no plain HTTP client mistakes a gRPC error (HTTP 200) for success.
            var unsupported = new Status(StatusCode.Internal, $"Content-Type '{request.ContentType}' is not supported.");
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            GrpcServer.WriteStatus(response, unsupported);
            return unsupported;
        }

        GrpcServer.StartResponse(response);
        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && encoding != GrpcProtocol.IdentityEncoding)
        {
            return Fail(response, new Status(StatusCode.Unimplemented,
                $"Message encoding '{encoding}' is not supported; supported: {GrpcProtocol.IdentityEncoding}."));
        }

        TimeSpan? timeout = null;
        if (request.Headers[GrpcProtocol.TimeoutHeader] is { Count: > 0 } timeoutHeader)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader.ToString(), out var parsed))
            {
                return Fail(response, new Status(StatusCode.Internal, $"Malformed grpc-timeout '{timeoutHeader}'."));
            }

            timeout = parsed;
        }

        // We enforce our own per-message limit; Kestrel's request body limit would cut large limits short.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }

        using var deadline = new CancellationTokenSource();
        if (timeout is { } delay)
        {
            deadline.CancelAfter(delay < GrpcProtocol.MaxTimerDelay ? delay : GrpcProtocol.MaxTimerDelay);
        }

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, http.RequestAborted);
        var context = new ServerCallContext(http, method.FullName,
            timeout is { } t ? GrpcProtocol.DeadlineAfter(t) : DateTime.MaxValue, cancellation.Token);
        Status status;
        Metadata? errorTrailers = null;
        try
        {
            var message = await MessageFrame.ReadSingleAsync(request.Body, method.RequestParser,
                server.Options.MaxReceiveMessageSize, cancellation.Token)
                ?? throw new RpcException(new Status(StatusCode.Unimplemented, "No request message in a unary call."));
            var reply = await InvokeAsync(http, message, context);
            if (deadline.IsCancellationRequested)
            {
                throw new OperationCanceledException(deadline.Token);
            }

            await response.Body.WriteAsync(MessageFrame.Encode(reply), cancellation.Token);
            status = new Status(StatusCode.OK, "");
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            // Whatever the handler did, a call that outlived its deadline ends DEADLINE_EXCEEDED.
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            status = new Status(StatusCode.Cancelled, "The caller cancelled the call.");
        }
        catch (RpcException e)
        {
            status = e.Status;
            errorTrailers = e.Trailers;
        }
        catch (Exception e)
        {
            // The exception text may hold anything (SQL, paths, secrets): it goes to the log and the span, not to the caller.
            // INTERNAL (the suite's contract, issue 2): grpc's statuscodes.md and Grpc.AspNetCore say UNKNOWN here;
            // an unhandled exception is a broken invariant of ours, and clients treat both as non-retryable.
            status = server.Options.ExceptionStatus?.Invoke(e) ?? new Status(StatusCode.Internal, "Exception was thrown by handler.");
            server.HandlerFailed(method.FullName, status.StatusCode, e);
            activity?.AddException(e);
        }

        if (!http.RequestAborted.IsCancellationRequested)
        {
            GrpcServer.WriteStatus(response, status, context.ResponseTrailers, errorTrailers ?? []);
        }

        return status;
    }

    private async Task<TResponse> InvokeAsync(HttpContext http, TRequest request, ServerCallContext context)
    {
        // Set inside this async method, the ambient call flows into the handler and is gone again when it returns.
        context.IsRunning = true;
        ServerCallContext.Current = context;
        try
        {
            return await handler(http, request, context);
        }
        finally
        {
            context.IsRunning = false;
        }
    }

    private static Status Fail(HttpResponse response, Status status)
    {
        GrpcServer.WriteStatus(response, status);
        return status;
    }
}
