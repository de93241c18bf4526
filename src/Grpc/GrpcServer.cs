using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Shop.Grpc;

/// <summary>What every mapped method shares: options, the log, the mapped services, the status writing.</summary>
internal sealed partial class GrpcServer(IOptions<GrpcServerOptions> options, ILogger<GrpcServer> logger)
{
    private readonly HashSet<string> _services = [];

    public GrpcServerOptions Options { get; } = options.Value;

    /// <summary>Records a mapped service; true for the first one, which maps the catch-all.</summary>
    public bool AddService(string service)
    {
        lock (_services)
        {
            _services.Add(service);
            return _services.Count == 1;
        }
    }

    /// <summary>Answers UNIMPLEMENTED to a gRPC request for a path no mapped method claims; anything else is not ours: 404.</summary>
    public Task HandleUnimplementedAsync(HttpContext http)
    {
        if (!GrpcProtocol.IsGrpcContentType(http.Request.ContentType))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var started = Stopwatch.GetTimestamp();
        var activity = GrpcTelemetry.EnrichServerCall(http, service: null, GrpcTelemetry.OtherMethod);
        var path = http.Request.Path.Value ?? "/";
        var service = path[1..path.LastIndexOf('/')];
        bool known;
        lock (_services)
        {
            known = _services.Contains(service);
        }

        var status = new Status(StatusCode.Unimplemented, known
            ? $"Method {path[(path.LastIndexOf('/') + 1)..]} is not implemented by service {service}."
            : $"Service {service} is not implemented.");
        StartResponse(http.Response);
        WriteStatus(http.Response, status);
        GrpcTelemetry.EndServerCall(activity, started, service: null, GrpcTelemetry.OtherMethod, status);
        return Task.CompletedTask;
    }

    /// <summary>The headers every gRPC response starts with, advertising the one encoding we accept.</summary>
    public static void StartResponse(HttpResponse response)
    {
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.IdentityEncoding;
    }

    /// <summary>
    /// Sends the status: in trailers after a response, or, when nothing has been sent yet, as a Trailers-Only
    /// response whose single HEADERS frame (with END_STREAM) carries the status.
    /// </summary>
    public static void WriteStatus(HttpResponse response, Status status, params Metadata[] trailers)
    {
        Action<string, string> write = response.HasStarted
            ? (key, value) => response.AppendTrailer(key, value)
            : (key, value) => response.Headers.Append(key, value);
        write(GrpcProtocol.StatusHeader, ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            write(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
        }

        foreach (var (key, value) in trailers.SelectMany(t => t.ToHeaders()))
        {
            write(key, value);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "gRPC handler for {Method} threw an exception; the caller gets {StatusCode}.")]
    public partial void HandlerFailed(string method, StatusCode statusCode, Exception exception);
}
