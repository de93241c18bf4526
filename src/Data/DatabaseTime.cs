namespace Shop.Data;

/// <summary>Timestamps as PostgreSQL keeps them.</summary>
public static class DatabaseTime
{
    /// <summary>Now in UTC at PostgreSQL's resolution (1 µs), so that what is returned before and after a round trip is equal.</summary>
    public static DateTimeOffset UtcNow => Truncate(DateTimeOffset.UtcNow);

    /// <summary><paramref name="value"/> without its sub-microsecond ticks.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        value.AddTicks(-(value.UtcTicks % TimeSpan.TicksPerMicrosecond));
}
