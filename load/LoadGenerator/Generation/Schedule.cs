using System.Diagnostics;

namespace Shop.LoadGenerator.Generation;

/// <summary>
/// The open model's timetable: request i is due at start + i / rate, whatever happened to the requests before it.
/// Latency counts from that intended start, so time a request spent waiting behind a slow system (in our queue,
/// the connection pool or the server's) is part of its latency: coordinated omission cannot hide it.
/// </summary>
internal readonly record struct Schedule(long StartTimestamp, double RatePerSecond)
{
    /// <summary>The Stopwatch timestamp at which request <paramref name="index"/> is due.</summary>
    public long IntendedStart(long index) => StartTimestamp + (long)(index * Stopwatch.Frequency / RatePerSecond);

    /// <summary>How many requests are due at <paramref name="now"/> (indices 0 .. count-1).</summary>
    public long DueBy(long now) => now < StartTimestamp ? 0 : (long)Math.Floor((now - StartTimestamp) * RatePerSecond / Stopwatch.Frequency) + 1;

    /// <summary>Latency of a request that completed at <paramref name="completed"/>, measured from when it was due.</summary>
    public static TimeSpan Latency(long intendedStart, long completed) => Stopwatch.GetElapsedTime(intendedStart, completed);
}
