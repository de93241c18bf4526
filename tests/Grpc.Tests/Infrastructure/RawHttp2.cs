using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Shop.Grpc.Tests.Infrastructure;

/// <summary>A response as it came off the wire: HTTP status, header block, body bytes, trailer block.</summary>
internal sealed record RawResponse(
    HttpStatusCode StatusCode, Dictionary<string, string> Headers, byte[] Body, Dictionary<string, string> Trailers);

/// <summary>Plain HTTP/2 requests, to see exactly what our server puts on the wire.</summary>
internal static class RawHttp2
{
    public static byte[] Frame(IMessage message) => MessageFrame.Encode(message);

    public static async Task<RawResponse> PostAsync(
        Uri server, string path, byte[] body, string contentType = "application/grpc", params (string Name, string Value)[] headers)
    {
        using var client = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.ParseAdd("trailers");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return new RawResponse(
            response.StatusCode,
            Flatten(response.Headers.Concat(response.Content.Headers)),
            bytes,
            Flatten(response.TrailingHeaders));
    }

    private static Dictionary<string, string> Flatten(IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers) =>
        headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
}
