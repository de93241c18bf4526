using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Shop.Dashboard.Store;

/// <summary>
/// One entry of a chained index over a ring of records: the newest record's sequence number and how
/// many live records the chain holds. Each record stores the distance back to its predecessor.
/// Records leave the ring oldest first, so eviction only decrements <see cref="Count"/>.
/// </summary>
internal struct IndexChain
{
    public long Head;
    public int Count;

    /// <summary>Puts record <paramref name="seq"/> at the head; returns its link (distance to the previous head, 0 for none).</summary>
    public static int Link<TKey>(Dictionary<TKey, IndexChain> index, TKey key, long seq)
        where TKey : notnull =>
        Link(ref CollectionsMarshal.GetValueRefOrAddDefault(index, key, out _), seq);

    public static int Link(ref IndexChain chain, long seq)
    {
        var distance = chain.Count > 0 ? (int)(seq - chain.Head) : 0;
        chain.Head = seq;
        chain.Count++;
        return distance;
    }

    /// <summary>Forgets one (the oldest) record of the chain; removes the entry with its last record.</summary>
    public static void Unlink<TKey>(Dictionary<TKey, IndexChain> index, TKey key)
        where TKey : notnull
    {
        ref var chain = ref CollectionsMarshal.GetValueRefOrNullRef(index, key);
        if (!Unsafe.IsNullRef(ref chain) && --chain.Count == 0)
        {
            index.Remove(key);
        }
    }
}
