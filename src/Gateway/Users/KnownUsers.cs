using Microsoft.Extensions.Caching.Memory;

namespace Shop.Gateway.Users;

/// <summary>
/// Ids of users that users has confirmed exist, so a checkout by the same user within
/// <see cref="GatewayOptions.KnownUserLifetime"/> does not ask again (one gRPC call and one database transaction fewer
/// per checkout). Users are never deleted, so an entry cannot be wrong while its user exists; the lifetime bounds how
/// long it outlives a user removed behind the API's back (a dropped database). An unknown id is never cached: it is
/// asked every time. At most <see cref="GatewayOptions.KnownUsersLimit"/> ids are kept; at the limit the cache compacts
/// itself (expired entries first, then the least recently used), and an id it could not keep is simply asked again.
/// </summary>
public sealed class KnownUsers : IDisposable
{
    private readonly MemoryCache _cache;
    private readonly MemoryCacheEntryOptions _entry;

    public KnownUsers(IOptions<GatewayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var gateway = options.Value;
        Enabled = gateway.KnownUserLifetime > TimeSpan.Zero;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, gateway.KnownUsersLimit) });
        _entry = new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Enabled ? gateway.KnownUserLifetime : null };
    }

    /// <summary>False when <see cref="GatewayOptions.KnownUserLifetime"/> is zero: every checkout asks users.</summary>
    public bool Enabled { get; }

    public bool Contains(Guid userId) => Enabled && _cache.TryGetValue(userId, out _);

    /// <summary>Remembers that users confirmed <paramref name="userId"/> exists.</summary>
    public void Add(Guid userId)
    {
        if (Enabled)
        {
            _cache.Set(userId, true, _entry);
        }
    }

    public void Dispose() => _cache.Dispose();
}
