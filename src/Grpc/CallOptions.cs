namespace Shop.Grpc;

/// <summary>Per-call settings: request metadata, an absolute deadline (UTC) and cancellation, as in Grpc.Core.</summary>
public readonly record struct CallOptions(
    Metadata? Headers = null,
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default);

/// <summary>A unary response together with the response headers and trailers the server sent.</summary>
public sealed record UnaryResult<TResponse>(TResponse Response, Metadata ResponseHeaders, Metadata Trailers);
