namespace Shop.AppHost.Model;

/// <summary>A named address of a resource on 127.0.0.1 (http, grpc, otlp-http...).</summary>
internal sealed record Endpoint(string Name, int Port)
{
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>host:port, as Prometheus targets are written.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The option that changes this port, for the "port taken" message; null for a free port taken at start.</summary>
    public string? Option { get; init; }
}
