using System.Net;

namespace Shop.Grpc;

/// <summary>One pooled HTTP/2 handler per server address, shared by every client of that address.</summary>
internal sealed class GrpcHttpHandlers : IDisposable
{
    private readonly Dictionary<string, HttpMessageInvoker> _invokers = new(StringComparer.OrdinalIgnoreCase);

    public HttpMessageInvoker For(Uri address)
    {
        var authority = address.GetLeftPart(UriPartial.Authority);
        lock (_invokers)
        {
            if (!_invokers.TryGetValue(authority, out var invoker))
            {
                invoker = new HttpMessageInvoker(CreateHandler(), disposeHandler: true);
                _invokers.Add(authority, invoker);
            }

            return invoker;
        }
    }

    public void Dispose()
    {
        lock (_invokers)
        {
            foreach (var invoker in _invokers.Values)
            {
                invoker.Dispose();
            }

            _invokers.Clear();
        }
    }

    private static SocketsHttpHandler CreateHandler() => new()
    {
        // The gRPC client span injects its own context; HttpClient injecting the HTTP span's as well would
        // make the server's span a child of the HTTP span instead of the RPC span.
        ActivityHeadersPropagator = null,
        // Calls beyond one connection's stream limit open another connection instead of queueing.
        EnableMultipleHttp2Connections = true,
        // Prior-knowledge HTTP/2 cannot pass through an HTTP proxy, and service-to-service calls should not try.
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
    };
}
