using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Shop.EndToEnd.Tests.Hostile;

/// <summary>
/// gRPC calls as bytes on cleartext HTTP/2: a request body that a generated client would never send (no message,
/// a broken frame, bytes that are not the message) and the status the server answers.
/// </summary>
internal static class RawGrpc
{
    /// <summary>One length-prefixed gRPC message (RFC-style: 1 byte compressed flag, 4 bytes big-endian length).</summary>
    public static byte[] Frame(ReadOnlySpan<byte> message, bool compressed = false, uint? declaredLength = null)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declaredLength ?? (uint)message.Length);
        message.CopyTo(frame.AsSpan(5));
        return frame;
    }

    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    /// <summary>A field the message does not have (number 99, varint): protobuf keeps it as an unknown field.</summary>
    public static byte[] WithUnknownField(IMessage message) => [.. message.ToByteArray(), 0x98, 0x06, 0x2A];

    /// <summary>Calls <paramref name="path"/> with <paramref name="body"/>; the HTTP status and grpc-status (null when none).</summary>
    public static async Task<(HttpStatusCode Http, int? Grpc, string? Message)> CallAsync(
        Uri server, string path, byte[] body, string contentType = "application/grpc")
    {
        using var handler = new SocketsHttpHandler();
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);

        // grpc-status is a trailer, or a header of a Trailers-Only answer.
        string? Value(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.First()
            : response.Headers.TryGetValues(name, out var header) ? header.First()
            : null;

        var status = Value("grpc-status");
        var message = Value("grpc-message");
        return (response.StatusCode, status is null ? null : int.Parse(status, System.Globalization.CultureInfo.InvariantCulture),
            message is null ? null : Uri.UnescapeDataString(message));
    }
}
