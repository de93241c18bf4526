using System.Net.Sockets;
using System.Text;

namespace Shop.EndToEnd.Tests.Hostile;

/// <summary>
/// HTTP/1.1 written byte by byte on a socket, so that a request can be what no client library sends: a path with
/// dot segments left in, header values that are not UTF-8, a body larger than its endpoint takes.
/// </summary>
internal static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> with Connection: close and reads the answer until the server closes.</summary>
    public static async Task<RawAnswer> SendAsync(Uri server, RawRequest request, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(request.Head(server), cts.Token);

        // The body is written while the answer is read: a server may answer (413) before it has all of it.
        var writing = request.Body is null ? Task.CompletedTask : request.Body.WriteAsync(stream, cts.Token);
        var answer = await ReadToEndAsync(stream, cts.Token);
        try
        {
            await writing;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The server closed the connection on a body it would not read.
        }

        return RawAnswer.Parse(answer);
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException) when (buffer.Length > 0)
        {
            // A reset after the answer: what was read is the answer.
        }

        return buffer.ToArray();
    }
}

/// <summary>A request line, headers (Latin-1, so any byte can be put in a value) and an optional body.</summary>
internal sealed record RawRequest(string Method, string Target, IReadOnlyList<(string Name, string Value)> Headers, RawBody? Body = null)
{
    public byte[] Head(Uri server)
    {
        var head = new StringBuilder().Append(Method).Append(' ').Append(Target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(server.Authority).Append("\r\n")
            .Append("Connection: close\r\n");
        foreach (var (name, value) in Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (Body is { } body)
        {
            if (body.ContentType is not null)
            {
                head.Append("Content-Type: ").Append(body.ContentType).Append("\r\n");
            }

            head.Append(body.Chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n");
        }

        return Encoding.Latin1.GetBytes(head.Append("\r\n").ToString());
    }
}

/// <summary>
/// A body: <see cref="Start"/>, then <see cref="Filler"/> bytes of 'a' (written in pieces, never held in memory), then
/// <see cref="End"/>; sent with a Content-Length, or chunked.
/// </summary>
internal sealed record RawBody(string? ContentType, byte[] Start, long Filler = 0, byte[]? End = null, bool Chunked = false)
{
    private const int Piece = 64 * 1024;

    public long Length => Start.Length + Filler + (End?.Length ?? 0);

    public static RawBody Json(string json) => new("application/json", Encoding.UTF8.GetBytes(json));

    /// <summary>JSON with a string of <paramref name="length"/> 'a's in place of "{filler}".</summary>
    public static RawBody JsonWithLongString(string json, long length, bool chunked = false)
    {
        var at = json.IndexOf("{filler}", StringComparison.Ordinal);
        return new("application/json", Encoding.UTF8.GetBytes(json[..at]), length, Encoding.UTF8.GetBytes(json[(at + "{filler}".Length)..]), chunked);
    }

    public async Task WriteAsync(Stream stream, CancellationToken cancellationToken)
    {
        await WritePartAsync(stream, Start, cancellationToken);
        var filler = new byte[Piece];
        Array.Fill(filler, (byte)'a');
        for (var left = Filler; left > 0; left -= Piece)
        {
            await WritePartAsync(stream, filler.AsMemory(0, (int)Math.Min(Piece, left)), cancellationToken);
        }

        await WritePartAsync(stream, End ?? [], cancellationToken);
        if (Chunked)
        {
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
        }
    }

    private async Task WritePartAsync(Stream stream, ReadOnlyMemory<byte> part, CancellationToken cancellationToken)
    {
        if (part.IsEmpty)
        {
            return;
        }

        if (Chunked)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{part.Length:x}\r\n"), cancellationToken);
            await stream.WriteAsync(part, cancellationToken);
            await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
        }
        else
        {
            await stream.WriteAsync(part, cancellationToken);
        }
    }
}

/// <summary>What the server answered: status, headers (names lower-cased, repeated ones joined) and the decoded body.</summary>
internal sealed record RawAnswer(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? this[string header] => Headers.TryGetValue(header.ToLowerInvariant(), out var value) ? value : null;

    public string Text => Encoding.UTF8.GetString(Body);

    public static RawAnswer Parse(byte[] raw)
    {
        var end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new InvalidOperationException($"No complete HTTP answer ({raw.Length} bytes): {Encoding.Latin1.GetString(raw[..Math.Min(raw.Length, 200)])}");
        }

        var lines = Encoding.Latin1.GetString(raw, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        var body = raw[(end + 4)..];
        return new RawAnswer(status, headers, headers.TryGetValue("transfer-encoding", out var coding) && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase)
            ? Dechunk(body)
            : body);
    }

    private static byte[] Dechunk(byte[] body)
    {
        using var result = new MemoryStream();
        var at = 0;
        while (at < body.Length)
        {
            var lineEnd = body.AsSpan(at).IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(body, at, lineEnd).Split(';')[0], 16);
            if (size == 0)
            {
                break;
            }

            result.Write(body, at + lineEnd + 2, size);
            at += lineEnd + 2 + size + 2;
        }

        return result.ToArray();
    }
}
