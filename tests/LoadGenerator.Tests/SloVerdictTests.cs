using Shop.LoadGenerator.Recording;
using Shop.LoadGenerator.Scenarios;
using Shop.LoadGenerator.Slo;
using Shop.Testing;

namespace Shop.LoadGenerator.Tests;

public sealed class SloVerdictTests
{
    private static readonly SloCatalog Catalog = SloCatalog.Load(RepoPaths.Of("observability", "slos.yaml"));

    [Fact]
    public void The_checkout_SLOs_are_read_from_the_repository_yaml()
    {
        var availability = Catalog.Slos.Single(s => s.Name == "checkout-availability");
        var latency = Catalog.Slos.Single(s => s.Name == "checkout-latency");

        Assert.Equal(99.5, availability.Objective);
        Assert.Equal(99, latency.Objective);
        Assert.Equal(0.5, latency.Indicator!.Threshold);
        Assert.True(SloCatalog.Matches(latency.Indicator.Selector, Scenario.Checkout));
        Assert.False(SloCatalog.Matches(latency.Indicator.Selector, Scenario.ReadOrder));
    }

    [Fact]
    public void Checkouts_with_one_server_error_in_a_hundred_miss_availability_but_meet_latency()
    {
        var results = Checkouts(99, status: 201, latencyMs: 20).Concat(Checkouts(1, status: 503, latencyMs: 20))
            .Concat(Reads(50, status: 404));

        var verdicts = Catalog.Judge(results).ToDictionary(v => v.Name);

        Assert.Equal("MISSED", verdicts["checkout-availability"].Verdict);
        Assert.Equal(99.0, verdicts["checkout-availability"].GoodPercent);
        Assert.Equal(100, verdicts["checkout-availability"].Eligible);
        Assert.Equal("met", verdicts["checkout-latency"].Verdict);
        // 4xx answers are the client's fault: the gateway's availability counts them as good.
        Assert.Equal(149, verdicts["gateway-availability"].Good);
        Assert.Equal("not observable from the client", verdicts["payments-availability"].Verdict);
    }

    [Fact]
    public void Checkouts_slower_than_the_threshold_beyond_one_percent_miss_latency()
    {
        var results = Checkouts(97, status: 201, latencyMs: 499).Concat(Checkouts(3, status: 201, latencyMs: 501)).ToList();

        var verdicts = Catalog.Judge(results).ToDictionary(v => v.Name);

        Assert.Equal("MISSED", verdicts["checkout-latency"].Verdict);
        Assert.Equal(97.0, verdicts["checkout-latency"].GoodPercent);
        Assert.Equal("met", verdicts["checkout-availability"].Verdict);
    }

    [Fact]
    public void Failed_exchanges_count_as_bad_for_availability()
    {
        var results = Checkouts(995, status: 201, latencyMs: 5)
            .Concat(Enumerable.Range(0, 5).Select(_ => new RequestResult(Scenario.Checkout, 0, "timeout", 30_000, 30_000, null, 0)));

        var verdict = Catalog.Judge(results).Single(v => v.Name == "checkout-availability");

        Assert.Equal(99.5, verdict.GoodPercent);
        Assert.Equal("met", verdict.Verdict);
    }

    private static IEnumerable<RequestResult> Checkouts(int count, int status, double latencyMs) =>
        Enumerable.Range(0, count).Select(_ => new RequestResult(Scenario.Checkout, status, null, latencyMs, latencyMs, null, 0));

    private static IEnumerable<RequestResult> Reads(int count, int status) =>
        Enumerable.Range(0, count).Select(_ => new RequestResult(Scenario.ReadOrder, status, null, 1, 1, null, 0));
}
