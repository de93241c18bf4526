namespace Shop.Grpc;

/// <summary>Names and limits from "gRPC over HTTP2" (grpc/grpc doc/PROTOCOL-HTTP2.md).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string ProtoContentType = "application/grpc+proto";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";

    /// <summary>The only message encoding supported here: no compression.</summary>
    public const string IdentityEncoding = "identity";

    /// <summary>The receive limit every gRPC implementation defaults to.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>Longest delay a CancellationTokenSource timer takes; later deadlines are never reached in practice.</summary>
    public static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <summary>True for the protobuf gRPC content types: application/grpc and application/grpc+proto.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        var mediaType = contentType.AsSpan();
        var parameters = mediaType.IndexOf(';');
        mediaType = (parameters < 0 ? mediaType : mediaType[..parameters]).Trim();
        return mediaType.Equals(ContentType, StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals(ProtoContentType, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The absolute deadline <paramref name="timeout"/> from now, capped at DateTime.MaxValue.</summary>
    public static DateTime DeadlineAfter(TimeSpan timeout)
    {
        var now = DateTime.UtcNow;
        return timeout >= DateTime.MaxValue - now ? DateTime.MaxValue : now + timeout;
    }
}
