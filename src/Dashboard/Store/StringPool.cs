namespace Shop.Dashboard.Store;

/// <summary>
/// Lossy string interning: a fixed table where each slot remembers the last string that hashed to it.
/// Repeated values (attribute keys, methods, routes, service names) end up sharing one instance;
/// unique values (ids, paths) pass through. Memory is fixed, there is no lock, and a lost race only
/// means a duplicate string.
/// </summary>
internal sealed class StringPool(int slots = 1 << 16)
{
    /// <summary>Longer strings are rarely repeated and not worth hashing.</summary>
    public const int MaxPooledLength = 128;

    private readonly string?[] _table = new string?[RoundUpToPowerOfTwo(slots)];

    public string Intern(string value)
    {
        if (value.Length == 0)
        {
            return string.Empty;
        }

        if (value.Length > MaxPooledLength)
        {
            return value;
        }

        ref var slot = ref _table[string.GetHashCode(value.AsSpan()) & (_table.Length - 1)];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && string.Equals(cached, value, StringComparison.Ordinal))
        {
            return cached;
        }

        Volatile.Write(ref slot, value);
        return value;
    }

    private static int RoundUpToPowerOfTwo(int value) => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, value));
}
