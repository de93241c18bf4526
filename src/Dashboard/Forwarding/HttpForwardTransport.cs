using System.Net.Http.Headers;
using Google.Protobuf;

namespace Shop.Dashboard.Forwarding;

/// <summary>OTLP/HTTP with binary protobuf: POST {endpoint}/v1/{signal}, as the OTLP exporters do with a base endpoint.</summary>
internal sealed class HttpForwardTransport(HttpClient client, Uri endpoint, IReadOnlyList<KeyValuePair<string, string>> headers) : IForwardTransport
{
    private static readonly MediaTypeHeaderValue Protobuf = new("application/x-protobuf");

    public async Task SendAsync(TelemetrySignal signal, IMessage request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, SignalUri(endpoint, signal))
        {
            Content = new ByteArrayContent(request.ToByteArray()) { Headers = { ContentType = Protobuf } },
        };
        foreach (var (key, value) in headers)
        {
            message.Headers.TryAddWithoutValidation(key, value);
        }

        using var response = await client.SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"upstream answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }
    }

    internal static Uri SignalUri(Uri endpoint, TelemetrySignal signal)
    {
        var path = endpoint.AbsolutePath.TrimEnd('/');
        return new UriBuilder(endpoint) { Path = $"{path}/v1/{signal.ToString().ToLowerInvariant()}" }.Uri;
    }
}
