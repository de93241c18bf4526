namespace Shop.Grpc;

/// <summary>Settings of one named client, configured through AddGrpcClient.</summary>
public sealed class GrpcClientOptions
{
    /// <summary>The server, e.g. http://127.0.0.1:5001. When unset, read from configuration <c>Services:{name}:grpc:0</c> (Aspire's convention).</summary>
    public Uri? Address { get; set; }

    /// <summary>Largest response message accepted; larger ones end RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>
    /// Calls made while serving a gRPC call inherit its deadline (when earlier than their own) and its cancellation,
    /// so deadlines shrink hop by hop. On by default.
    /// </summary>
    public bool PropagateCallContext { get; set; } = true;
}
