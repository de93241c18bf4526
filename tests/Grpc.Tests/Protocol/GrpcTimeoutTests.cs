namespace Shop.Grpc.Tests.Protocol;

public sealed class GrpcTimeoutTests
{
    public static TheoryData<string, TimeSpan> Units => new()
    {
        { "2H", TimeSpan.FromHours(2) },
        { "3M", TimeSpan.FromMinutes(3) },
        { "4S", TimeSpan.FromSeconds(4) },
        { "5m", TimeSpan.FromMilliseconds(5) },
        { "6u", TimeSpan.FromMicroseconds(6) },
        { "700n", TimeSpan.FromTicks(7) },
        { "1n", TimeSpan.FromTicks(1) },
        { "99999999H", TimeSpan.FromHours(99_999_999) },
        { "00000001S", TimeSpan.FromSeconds(1) },
    };

    [Theory]
    [MemberData(nameof(Units))]
    public void Parses_every_unit(string header, TimeSpan expected)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(expected, timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("1s")]
    [InlineData("1h")]
    [InlineData("-1S")]
    [InlineData("+1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    [InlineData("١S")]
    public void Rejects_values_the_grammar_does_not_allow(string header) =>
        Assert.False(GrpcTimeout.TryParse(header, out _));

    [Theory]
    [InlineData(1, "1u")]
    [InlineData(TimeSpan.TicksPerSecond, "1000000u")]
    [InlineData(100 * TimeSpan.TicksPerSecond, "100000m")]
    [InlineData(30 * TimeSpan.TicksPerDay, "2592000S")]
    [InlineData(200 * 365 * TimeSpan.TicksPerDay, "1752000H")]
    [InlineData(long.MaxValue, "99999999H")]
    public void Formats_in_the_finest_unit_that_fits_eight_digits(long ticks, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));

    [Theory]
    [InlineData(15)]
    [InlineData(12_345_678_901)]
    [InlineData(987_654_321_012_345)]
    public void Formatted_timeout_reads_back_no_shorter_and_at_most_one_unit_longer(long ticks)
    {
        var timeout = TimeSpan.FromTicks(ticks);
        var header = GrpcTimeout.Format(timeout);

        Assert.True(header.Length <= 9);
        Assert.True(GrpcTimeout.TryParse(header, out var parsed));
        Assert.InRange(parsed - timeout, TimeSpan.Zero, timeout / 10_000_000 + TimeSpan.FromTicks(10));
    }

    [Fact]
    public void Only_positive_timeouts_are_formatted() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GrpcTimeout.Format(TimeSpan.Zero));
}
