using Microsoft.AspNetCore.Http;

namespace Shop.Grpc;

/// <summary>What a handler knows about the call it serves, and what it can send besides the response.</summary>
public sealed class ServerCallContext
{
    // The call whose handler is running on this async flow: outgoing calls take their deadline from it.
    private static readonly AsyncLocal<ServerCallContext?> CurrentCall = new();

    private readonly HttpContext _httpContext;

    internal ServerCallContext(HttpContext httpContext, string method, DateTime deadline, CancellationToken cancellationToken)
    {
        _httpContext = httpContext;
        Method = method;
        Deadline = deadline;
        RequestHeaders = Metadata.FromHeaders(httpContext.Request.Headers);
        CancellationToken = cancellationToken;
    }

    /// <summary>The method path, <c>/package.Service/Method</c>.</summary>
    public string Method { get; }

    /// <summary>The caller's deadline (UTC) from grpc-timeout; DateTime.MaxValue when it sent none.</summary>
    public DateTime Deadline { get; }

    public Metadata RequestHeaders { get; }

    /// <summary>Trailers to send with the status, on success and on failure.</summary>
    public Metadata ResponseTrailers { get; } = [];

    /// <summary>Fires at the deadline or when the caller goes away.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The serving call on this async flow while its handler runs; null elsewhere.</summary>
    internal static ServerCallContext? Current
    {
        get => CurrentCall.Value is { IsRunning: true } call ? call : null;
        set => CurrentCall.Value = value;
    }

    // False once the handler has returned: work it left running must not inherit a finished call's deadline.
    internal bool IsRunning { get; set; }

    /// <summary>Sends the response headers now, before the response; at most once per call.</summary>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        var response = _httpContext.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException("Response headers have already been sent for this call.");
        }

        foreach (var (key, value) in responseHeaders.ToHeaders())
        {
            response.Headers.Append(key, value);
        }

        return response.StartAsync(CancellationToken);
    }

    /// <summary>The ASP.NET Core request behind the call: user, connection, request services.</summary>
    public HttpContext GetHttpContext() => _httpContext;
}
