using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;

namespace Shop.Dashboard.Tests.Infrastructure;

/// <summary>Raw unary gRPC calls over cleartext HTTP/2, for the requests no well-behaved client sends.</summary>
public static class GrpcWire
{
    public const string TraceExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    /// <summary>A length-prefixed message: compressed flag, 4-byte big-endian length, payload.</summary>
    public static byte[] Frame(byte[] payload, bool compressed = false)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    /// <summary>POSTs <paramref name="body"/> as a gRPC call; returns grpc-status (from trailers or trailers-only headers), grpc-message and the response body.</summary>
    public static async Task<(int Status, string Message, byte[] Body)> CallAsync(string baseUrl, string path, byte[] body, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + path)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        foreach (var (key, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(key, value);
        }

        using var response = await client.SendAsync(request);
        var content = await response.Content.ReadAsByteArrayAsync();
        var status = Header(response, "grpc-status");
        Assert.True(status is not null, $"{path} answered HTTP {(int)response.StatusCode} without grpc-status");
        return (int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), Uri.UnescapeDataString(Header(response, "grpc-message") ?? ""), content);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.First()
        : response.Headers.TryGetValues(name, out var header) ? header.First()
        : null;
}
