namespace Shop.Dashboard.Store;

/// <summary>
/// The shape both stores share: a bounded ring of records addressed by sequence number (slot =
/// sequence mod capacity), the oldest overwritten first, behind a reader/writer lock, with a service
/// index. Subclasses keep their indexes in <see cref="Index"/> and <see cref="Unindex"/>; the ring
/// starts small and grows to its capacity.
/// </summary>
internal abstract class RecordRing<T> : IDisposable
    where T : struct
{
    private const int InitialSlots = 4096;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private T[] _slots;

    protected RecordRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _slots = new T[Math.Min(capacity, InitialSlots)];
    }

    public int Capacity { get; }

    /// <summary>The newest record of each service, for the service chains.</summary>
    protected Dictionary<string, IndexChain> ServiceIndex { get; } = new(StringComparer.Ordinal);

    /// <summary>The sequence number the next record gets: how many were ever appended.</summary>
    protected long Next { get; private set; }

    protected long Evicted { get; private set; }

    /// <summary>The oldest sequence number still stored.</summary>
    protected long Oldest => Math.Max(0, Next - Capacity);

    protected int Count => (int)(Next - Oldest);

    /// <summary>Every service with at least one stored record, sorted.</summary>
    public List<string> Services() => Read(() =>
    {
        var services = ServiceIndex.Keys.ToList();
        services.Sort(StringComparer.Ordinal);
        return services;
    });

    public void Dispose() => _lock.Dispose();

    protected ref T Slot(long seq) => ref _slots[seq % Capacity];

    /// <summary>Appends records in order under the write lock, evicting the oldest when full.</summary>
    protected void AppendAll(ReadOnlySpan<T> records)
    {
        if (records.IsEmpty)
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            foreach (var record in records)
            {
                var seq = Next;
                if (seq >= Capacity)
                {
                    ref var oldest = ref Slot(seq - Capacity);
                    Unindex(ref oldest);
                    oldest = default;
                    Evicted++;
                }
                else if (seq == _slots.Length)
                {
                    Array.Resize(ref _slots, (int)Math.Min(Capacity, (long)_slots.Length * 2));
                }

                var stored = record;
                Index(ref stored, seq);
                Slot(seq) = stored;
                Next = seq + 1;
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Runs <paramref name="read"/> under the read lock.</summary>
    protected TResult Read<TResult>(Func<TResult> read)
    {
        _lock.EnterReadLock();
        try
        {
            return read();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Adds record <paramref name="seq"/> to the subclass's indexes (setting its links) before it is stored.</summary>
    protected abstract void Index(ref T record, long seq);

    /// <summary>Takes the oldest record out of the indexes before it is overwritten.</summary>
    protected abstract void Unindex(ref T record);
}
