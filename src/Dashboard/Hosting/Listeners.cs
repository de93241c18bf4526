using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Shop.Dashboard.Hosting;

/// <summary>
/// The dashboard's three listeners (query UI/API, OTLP/HTTP, OTLP/gRPC) from configuration. Query and
/// OTLP/HTTP may share a URL; OTLP/gRPC needs its own (cleartext HTTP/2 only). Anything not on
/// loopback requires an API key.
/// </summary>
internal sealed class Listeners
{
    private readonly List<Listener> _listeners;

    private Listeners(List<Listener> listeners) => _listeners = listeners;

    public IReadOnlyList<Listener> All => _listeners;

    /// <summary>Validates the configured URLs; throws <see cref="InvalidOperationException"/> with the fix in the message.</summary>
    public static Listeners From(DashboardOptions options)
    {
        var configured = new[]
        {
            (Setting: "QueryUrl", Url: options.QueryUrl, Role: ListenerRole.Query),
            (Setting: "OtlpHttpUrl", Url: options.OtlpHttpUrl, Role: ListenerRole.OtlpHttp),
            (Setting: "OtlpGrpcUrl", Url: options.OtlpGrpcUrl, Role: ListenerRole.OtlpGrpc),
        };

        var listeners = new List<Listener>();
        foreach (var (setting, url, role) in configured)
        {
            var (address, port) = Parse(setting, url);
            if (!IsLoopback(address) && string.IsNullOrEmpty(options.ApiKey))
            {
                throw new InvalidOperationException(
                    $"Dashboard:{setting} ({url}) binds a non-loopback address that other machines can reach, and no API key is set. " +
                    "Set Dashboard:ApiKey (environment variable Dashboard__ApiKey) or bind 127.0.0.1.");
            }

            var existing = listeners.Find(l => l.Port == port);
            if (existing is null)
            {
                listeners.Add(new Listener(address, port, url, [role]));
            }
            else if (!Equals(existing.Address, address))
            {
                throw new InvalidOperationException($"Dashboard:{setting} ({url}) uses port {port} with another address than {existing.Url}.");
            }
            else
            {
                existing.Roles.Add(role);
            }
        }

        var grpc = listeners.Single(l => l.Roles.Contains(ListenerRole.OtlpGrpc));
        if (grpc.Roles.Count > 1)
        {
            throw new InvalidOperationException(
                $"Dashboard:OtlpGrpcUrl ({grpc.Url}) must not share its port with the query or OTLP/HTTP listener: gRPC needs a cleartext HTTP/2-only port.");
        }

        return new Listeners(listeners);
    }

    /// <summary>True when a request that arrived on <paramref name="localPort"/> may reach an endpoint of <paramref name="role"/>.</summary>
    public bool Serves(int localPort, ListenerRole role) => _listeners.Exists(l => l.Port == localPort && l.Roles.Contains(role));

    public string UrlOf(ListenerRole role) => _listeners.First(l => l.Roles.Contains(role)).Url;

    public void Configure(KestrelServerOptions kestrel)
    {
        foreach (var listener in _listeners)
        {
            var protocols = listener.Roles.Contains(ListenerRole.OtlpGrpc) ? HttpProtocols.Http2 : HttpProtocols.Http1;
            if (listener.Address is null)
            {
                kestrel.ListenLocalhost(listener.Port, o => o.Protocols = protocols);
            }
            else
            {
                kestrel.Listen(listener.Address, listener.Port, o => o.Protocols = protocols);
            }
        }
    }

    /// <summary>http://host:port with an IP address, localhost (null address), or * / + / 0.0.0.0 / [::] for every interface.</summary>
    private static (IPAddress? Address, int Port) Parse(string setting, string url)
    {
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
        {
            throw new InvalidOperationException($"Dashboard:{setting} '{url}' is not a URL like http://127.0.0.1:4318 (http, a port, no path).");
        }

        if (uri.Port == 0)
        {
            throw new InvalidOperationException($"Dashboard:{setting} '{url}': give an explicit port, not 0.");
        }

        if (uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns)
        {
            return (null, uri.Port);
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address)
            ? (address, uri.Port)
            : throw new InvalidOperationException($"Dashboard:{setting} '{url}': use an IP address, localhost or * as host; '{uri.Host}' cannot be bound.");
    }

    private static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address);

    internal sealed record Listener(IPAddress? Address, int Port, string Url, List<ListenerRole> Roles);
}
