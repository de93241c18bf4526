namespace Shop.Grpc;

/// <summary>
/// A call that ended with a status other than OK. Handlers throw it to answer with that status;
/// clients receive it for every failure, remote or local (deadline, transport, cancellation).
/// </summary>
public sealed class RpcException(Status status, Metadata? trailers = null, Exception? innerException = null)
    : Exception(status.ToString(), innerException)
{
    public Status Status { get; } = status;

    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Trailers the server sent with the status; handlers may add their own to send.</summary>
    public Metadata Trailers { get; } = trailers ?? [];
}
