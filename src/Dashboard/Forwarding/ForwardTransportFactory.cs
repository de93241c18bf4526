namespace Shop.Dashboard.Forwarding;

/// <summary>Picks the transport for Dashboard:Forward:Protocol; null when forwarding is off.</summary>
internal sealed class ForwardTransportFactory(IHttpClientFactory clients, IServiceProvider services)
{
    public IForwardTransport? Create(ForwardOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            return null;
        }

        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"Dashboard:Forward:Endpoint '{options.Endpoint}' is not an http(s) URL.");
        }

        var headers = OtlpHeaders.Parse(options.Headers);
        return options.Protocol switch
        {
            ForwardProtocols.HttpProtobuf => new HttpForwardTransport(clients.CreateClient(nameof(HttpForwardTransport)), endpoint, headers),
            ForwardProtocols.Grpc => GrpcTransport(headers),
            _ => throw new InvalidOperationException(
                $"Dashboard:Forward:Protocol '{options.Protocol}' is not supported; use {ForwardProtocols.HttpProtobuf} or {ForwardProtocols.Grpc}."),
        };
    }

    private GrpcForwardTransport GrpcTransport(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var transport = services.GetRequiredService<GrpcForwardTransport>();
        transport.Headers = headers;
        return transport;
    }
}

/// <summary>OTEL_EXPORTER_OTLP_HEADERS syntax: comma-separated key=value pairs, values percent-decoded.</summary>
internal static class OtlpHeaders
{
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string? headers)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var pair in (headers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new InvalidOperationException($"Dashboard:Forward:Headers has '{pair}'; use key=value pairs separated by commas.");
            }

            result.Add(new(pair[..separator].Trim(), Uri.UnescapeDataString(pair[(separator + 1)..].Trim())));
        }

        return result;
    }
}
