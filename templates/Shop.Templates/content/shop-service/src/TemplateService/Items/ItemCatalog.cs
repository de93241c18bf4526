using System.Collections.Concurrent;

namespace Shop.TemplateService.Items;

/// <summary>The items, kept in memory: they last as long as the process (a service with a database keeps them in PostgreSQL).</summary>
internal sealed class ItemCatalog
{
    private readonly ConcurrentDictionary<string, Item> _byName = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="item"/>; false when an item of that name exists.</summary>
    public bool TryAdd(Item item) => _byName.TryAdd(item.Name, item);
}
