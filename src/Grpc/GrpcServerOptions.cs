namespace Shop.Grpc;

/// <summary>Server settings, configured through AddGrpcServer.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted; larger ones end RESOURCE_EXHAUSTED. 4 MiB as in every gRPC implementation.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;
}
