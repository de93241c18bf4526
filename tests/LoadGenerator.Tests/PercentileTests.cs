using Shop.LoadGenerator.Recording;

namespace Shop.LoadGenerator.Tests;

public sealed class PercentileTests
{
    [Fact]
    public void Percentiles_are_nearest_rank_over_all_values()
    {
        var values = Enumerable.Range(1, 1000).Select(i => (double)i).Reverse().ToList();

        var summary = Percentiles.Summarize(values);

        Assert.Equal(1000, summary.Count);
        Assert.Equal(500, summary.P50);
        Assert.Equal(900, summary.P90);
        Assert.Equal(990, summary.P99);
        Assert.Equal(999, summary.P999);
        Assert.Equal(1000, summary.Max);
    }

    [Fact]
    public void One_slow_request_in_a_hundred_is_the_p99_and_not_hidden_by_the_median()
    {
        var values = Enumerable.Repeat(2.0, 99).Append(750.0).ToList();

        var summary = Percentiles.Summarize(values);

        Assert.Equal(2, summary.P50);
        Assert.Equal(2, summary.P99);
        Assert.Equal(750, summary.P999);
        Assert.Equal(750, Percentiles.Summarize([.. Enumerable.Repeat(2.0, 98), 750.0, 800.0]).P99);
    }

    [Fact]
    public void No_values_give_no_percentiles()
    {
        Assert.True(double.IsNaN(Percentiles.Summarize([]).P99));
        Assert.Equal(7, Percentiles.Summarize([7]).P999);
    }

    [Theory]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01", null)]
    [InlineData("garbage", null)]
    [InlineData(null, null)]
    public void The_trace_id_comes_from_the_traceresponse_header(string? header, string? traceId)
    {
        Assert.Equal(traceId, RequestResult.TraceIdFrom(header));
    }
}
