using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Shop.Grpc;

/// <summary>Makes unary calls to one server over prior-knowledge HTTP/2; typed clients wrap it, one method each.</summary>
public sealed class CallInvoker
{
    private const string UserAgent = "grpc-dotnet-shop/1.0";

    private readonly HttpMessageInvoker _http;
    private readonly Uri _address;
    private readonly GrpcClientOptions _options;

    internal CallInvoker(HttpMessageInvoker http, Uri address, GrpcClientOptions options)
    {
        _http = http;
        _address = address;
        _options = options;
    }

    /// <summary>Calls <paramref name="method"/> and returns the response; every failure is an <see cref="RpcException"/>.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        (await UnaryWithMetadataAsync(method, request, options)).Response;

    /// <summary>Calls <paramref name="method"/> and returns the response with the response headers and trailers.</summary>
    public async Task<UnaryResult<TResponse>> UnaryWithMetadataAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        using var activity = GrpcTelemetry.StartClientCall(method.ServiceName, method.Name, _address);
        var status = new Status(StatusCode.OK, "");
        try
        {
            return await CallAsync(method, request, options, activity);
        }
        catch (RpcException e)
        {
            status = e.Status;
            throw;
        }
        finally
        {
            GrpcTelemetry.EndClientCall(activity, started, method.ServiceName, method.Name, status);
        }
    }

    private async Task<UnaryResult<TResponse>> CallAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, CallOptions options, Activity? activity)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var serving = _options.PropagateCallContext ? ServerCallContext.Current : null;
        var deadline = Earliest(options.Deadline, serving?.Deadline);
        var timeout = deadline - DateTime.UtcNow;
        if (timeout <= TimeSpan.Zero)
        {
            throw DeadlineExceeded(null);
        }

        using var deadlineReached = new CancellationTokenSource();
        if (timeout is { } delay && delay < GrpcProtocol.MaxTimerDelay)
        {
            deadlineReached.CancelAfter(delay);
        }

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(
            options.CancellationToken, serving?.CancellationToken ?? default, deadlineReached.Token);
        try
        {
            using var message = CreateRequest(method, request, options.Headers, timeout, activity);
            using var response = await _http.SendAsync(message, cancellation.Token);
            var headers = Metadata.FromHeaders(response.Headers);
            var contentType = response.Content.Headers.ContentType?.MediaType;
            if (ReadStatus(response.Headers) is { } trailersOnly)
            {
                // Trailers-Only: the status and trailers came in the only HEADERS frame.
                throw new RpcException(OkWithoutMessage(trailersOnly), headers);
            }

            if (response.StatusCode != HttpStatusCode.OK || !GrpcProtocol.IsGrpcContentType(contentType))
            {
                throw new RpcException(new Status(FromHttpStatus(response.StatusCode),
                    $"Bad gRPC response: HTTP {(int)response.StatusCode}, content-type '{contentType}'."), headers);
            }

            var body = await response.Content.ReadAsStreamAsync(cancellation.Token);
            var reply = await MessageFrame.ReadSingleAsync(body, method.ResponseParser, _options.MaxReceiveMessageSize, cancellation.Token);
            var trailers = Metadata.FromHeaders(response.TrailingHeaders);
            var status = ReadStatus(response.TrailingHeaders)
                ?? new Status(StatusCode.Unknown, "The response ended without grpc-status.");
            if (status.StatusCode != StatusCode.OK)
            {
                throw new RpcException(status, trailers);
            }

            return reply is null
                ? throw new RpcException(OkWithoutMessage(status), trailers)
                : new UnaryResult<TResponse>(reply, headers, trailers);
        }
        catch (Exception e) when (deadlineReached.IsCancellationRequested)
        {
            // Past the deadline the spec lets the client fail the call DEADLINE_EXCEEDED whatever happened;
            // it also turns the server's CANCELLED at the deadline into DEADLINE_EXCEEDED.
            throw DeadlineExceeded(e);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw new RpcException(cancellation.IsCancellationRequested
                ? new Status(StatusCode.Cancelled, "The call was cancelled.")
                : FromTransportError(e), innerException: e);
        }
    }

    private HttpRequestMessage CreateRequest<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, Metadata? metadata, TimeSpan? timeout, Activity? activity)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_address, method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(MessageFrame.Encode(request)),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        var headers = message.Headers;
        if (timeout is { } value)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(value));
        }

        headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.IdentityEncoding);
        headers.TryAddWithoutValidation("user-agent", UserAgent);
        foreach (var (key, text) in metadata?.ToHeaders() ?? [])
        {
            headers.TryAddWithoutValidation(key, text);
        }

        // traceparent/tracestate/baggage of the client span; of the current activity when nobody listens to ours.
        DistributedContextPropagator.Current.Inject(activity ?? Activity.Current, headers, static (carrier, key, text) =>
        {
            var target = (HttpRequestHeaders)carrier!;
            target.Remove(key);
            target.TryAddWithoutValidation(key, text);
        });
        return message;
    }

    /// <summary>grpc-status and grpc-message from a header block; a code that is not one of the 17 reads as UNKNOWN.</summary>
    private static Status? ReadStatus(HttpHeaders headers)
    {
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var values))
        {
            return null;
        }

        var detail = headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages)
            ? PercentEncoding.Decode(string.Join(",", messages))
            : "";
        return int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var code)
               && Enum.IsDefined((StatusCode)code)
            ? new Status((StatusCode)code, detail)
            : new Status(StatusCode.Unknown, $"Unreadable grpc-status '{string.Join(",", values)}'. {detail}".TrimEnd());
    }

    // A unary call must end with exactly one response message; OK without one breaks that (statuscodes.md: UNIMPLEMENTED).
    private static Status OkWithoutMessage(Status status) => status.StatusCode == StatusCode.OK
        ? new Status(StatusCode.Unimplemented, "The server sent no response message for a unary call.")
        : status;

    /// <summary>The mapping grpc/grpc doc/http-grpc-status-mapping.md gives for responses without grpc-status.</summary>
    private static StatusCode FromHttpStatus(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest or HttpStatusCode.RequestHeaderFieldsTooLarge => StatusCode.Internal,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.NotFound => StatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>A failure below gRPC: an HTTP/2 error maps by its code (PROTOCOL-HTTP2.md), the rest is UNAVAILABLE.</summary>
    private static Status FromTransportError(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException http2)
            {
                return new Status(http2.ErrorCode switch
                {
                    0x7 => StatusCode.Unavailable, // REFUSED_STREAM: nothing was processed
                    0x8 => StatusCode.Cancelled, // CANCEL
                    0xb => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
                    0xc => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
                    _ => StatusCode.Internal,
                }, http2.Message);
            }
        }

        return new Status(exception is HttpRequestException or IOException ? StatusCode.Unavailable : StatusCode.Internal, exception.Message);
    }

    private static RpcException DeadlineExceeded(Exception? cause) =>
        new(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), innerException: cause);

    // DateTime.MaxValue means no deadline, as ServerCallContext.Deadline reports it.
    private static DateTime? Earliest(DateTime? own, DateTime? serving)
    {
        var earliest = own is { } mine && serving is { } inherited ? (mine < inherited ? mine : inherited) : own ?? serving;
        return earliest == DateTime.MaxValue ? null : earliest;
    }
}
