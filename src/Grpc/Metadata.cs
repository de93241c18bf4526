using System.Collections;

namespace Shop.Grpc;

/// <summary>
/// gRPC custom metadata: request headers, response headers or trailers. Keys are lowercase
/// <c>[0-9a-z_.-]</c>; keys ending in <c>-bin</c> carry bytes (base64 on the wire), the others printable ASCII.
/// </summary>
public sealed class Metadata : IEnumerable<Metadata.Entry>
{
    private const string BinarySuffix = "-bin";

    // Headers the protocol itself owns; they are never application metadata.
    private static readonly HashSet<string> Reserved =
    [
        "content-type", "content-length", "te", "host",
        GrpcProtocol.TimeoutHeader, GrpcProtocol.EncodingHeader, GrpcProtocol.AcceptEncodingHeader,
        GrpcProtocol.StatusHeader, GrpcProtocol.MessageHeader,
    ];

    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    public void Add(string key, string value)
    {
        key = NormalizeKey(key);
        if (IsBinaryKey(key))
        {
            throw new ArgumentException($"Metadata key '{key}' ends with {BinarySuffix} and needs a byte[] value.", nameof(key));
        }

        if (!IsPrintableAscii(value))
        {
            throw new ArgumentException($"Metadata value for '{key}' must be printable ASCII.", nameof(value));
        }

        _entries.Add(new Entry(key, value, null));
    }

    public void Add(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        key = NormalizeKey(key);
        if (!IsBinaryKey(key))
        {
            throw new ArgumentException($"Metadata key '{key}' must end with {BinarySuffix} to carry bytes.", nameof(key));
        }

        _entries.Add(new Entry(key, null, value));
    }

    /// <summary>Adds an entry taken from other metadata, e.g. to echo a request header.</summary>
    public void Add(Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _entries.Add(entry);
    }

    /// <summary>The last entry with this key, or null.</summary>
    public Entry? Get(string key) => _entries.FindLast(e => e.Key.Equals(key, StringComparison.OrdinalIgnoreCase));

    /// <summary>The text value of the last entry with this key, or null.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>The bytes of the last <c>-bin</c> entry with this key, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    public IEnumerable<Entry> GetAll(string key) => _entries.Where(e => e.Key.Equals(key, StringComparison.OrdinalIgnoreCase));

    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Metadata from received HTTP headers, leaving out the protocol's own and values that are not valid metadata.</summary>
    internal static Metadata FromHeaders<TValues>(IEnumerable<KeyValuePair<string, TValues>> headers)
        where TValues : IEnumerable<string?>
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            var key = name.ToLowerInvariant();
            if (Reserved.Contains(key) || !IsValidKey(key))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                if (!IsBinaryKey(key))
                {
                    // The spec lets a receiver drop values outside printable ASCII; keeping only valid ones means
                    // a handler can always echo what it received.
                    if (IsPrintableAscii(value))
                    {
                        metadata._entries.Add(new Entry(key, value.Trim(), null));
                    }

                    continue;
                }

                // Binary values may arrive joined with "," and padded or not.
                foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (TryFromBase64(part, out var bytes))
                    {
                        metadata._entries.Add(new Entry(key, null, bytes));
                    }
                }
            }
        }

        return metadata;
    }

    /// <summary>The entries as HTTP header values: binary ones in unpadded base64, as the spec asks senders to emit.</summary>
    internal IEnumerable<KeyValuePair<string, string>> ToHeaders() =>
        _entries.Select(e => KeyValuePair.Create(e.Key, e.ValueBytes is { } bytes ? Convert.ToBase64String(bytes).TrimEnd('=') : e.Value!));

    private static string NormalizeKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var normalized = key.ToLowerInvariant();
        return IsValidKey(normalized)
            ? normalized
            : throw new ArgumentException($"Metadata key '{key}' may only contain 0-9 a-z _ - . characters.", nameof(key));
    }

    private static bool IsValidKey(string key) =>
        key.Length > 0 && !key.StartsWith(':') && key.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c is '_' or '-' or '.');

    private static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.Ordinal);

    private static bool IsPrintableAscii(string value) => value.All(c => c is >= ' ' and <= '~');

    private static bool TryFromBase64(string value, out byte[] bytes)
    {
        var padded = value.PadRight(value.Length + ((4 - (value.Length % 4)) % 4), '=');
        bytes = new byte[padded.Length / 4 * 3];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }

    /// <summary>One metadata entry: a text value, or bytes when the key ends with <c>-bin</c>.</summary>
    public sealed class Entry
    {
        internal Entry(string key, string? value, byte[]? valueBytes)
        {
            Key = key;
            Value = value;
            ValueBytes = valueBytes;
        }

        public string Key { get; }

        /// <summary>The text value; null for a binary entry.</summary>
        public string? Value { get; }

        /// <summary>The bytes; null for a text entry.</summary>
        public byte[]? ValueBytes { get; }

        public bool IsBinary => ValueBytes is not null;

        public override string ToString() => IsBinary ? $"{Key}: {ValueBytes!.Length} bytes" : $"{Key}: {Value}";
    }
}
