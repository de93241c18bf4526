using System.Buffers.Binary;
using Google.Protobuf;

namespace Shop.Grpc;

/// <summary>
/// Length-Prefixed-Message: a compressed flag byte, a 4-byte big-endian length, the protobuf bytes.
/// A unary call carries exactly one in each direction.
/// </summary>
internal static class MessageFrame
{
    public const int HeaderLength = 5;

    public static byte[] Encode(IMessage message)
    {
        var length = message.CalculateSize();
        var frame = new byte[HeaderLength + length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)length);
        message.WriteTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    /// <summary>
    /// Reads the one message of a unary request or response up to the end of the stream; null when there is none.
    /// Failures are the statuses the spec names: too large is RESOURCE_EXHAUSTED, a second message UNIMPLEMENTED,
    /// anything malformed INTERNAL.
    /// </summary>
    public static async Task<T?> ReadSingleAsync<T>(Stream stream, MessageParser<T> parser, int maxLength, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var header = new byte[HeaderLength];
        var read = await stream.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return null;
        }

        if (read < HeaderLength)
        {
            throw Error(StatusCode.Internal, "Incomplete gRPC message header.");
        }

        // We accept only the identity encoding, under which the flag must be 0.
        if (header[0] != 0)
        {
            throw Error(StatusCode.Internal, $"Compressed flag {header[0]} set, but the message encoding is identity.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > maxLength)
        {
            throw Error(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxLength}).");
        }

        var payload = new byte[length];
        if (await stream.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, cancellationToken) < payload.Length)
        {
            throw Error(StatusCode.Internal, "Incomplete gRPC message.");
        }

        if (await stream.ReadAsync(header.AsMemory(0, 1), cancellationToken) != 0)
        {
            throw Error(StatusCode.Unimplemented, "More than one message in a unary call.");
        }

        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to parse the protobuf message."), innerException: e);
        }
    }

    private static RpcException Error(StatusCode code, string detail) => new(new Status(code, detail));
}
