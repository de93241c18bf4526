namespace Shop.Grpc;

/// <summary>Server settings, configured through AddGrpcServer.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted; larger ones end RESOURCE_EXHAUSTED. 4 MiB as in every gRPC implementation.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>
    /// The status for an exception a handler throws (other than <see cref="RpcException"/>), e.g. UNAVAILABLE
    /// for a database that cannot be reached; null, or no mapping, answers INTERNAL. The detail goes to the
    /// caller, so it must not carry the exception's text. (Grpc.AspNetCore would do this in an interceptor.)
    /// </summary>
    public Func<Exception, Status?>? ExceptionStatus { get; set; }
}
