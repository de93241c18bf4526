using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Tests;

public sealed class MixTests
{
    [Fact]
    public void Scenarios_are_picked_in_proportion_to_their_weights()
    {
        var mix = ScenarioMix.Parse("checkout=6, read-user=3, register-user=1");
        var random = new Random(1);

        var counts = Enumerable.Range(0, 100_000).Select(_ => mix.Pick(random.NextDouble())).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());

        Assert.InRange(counts[Scenario.Checkout], 59_000, 61_000);
        Assert.InRange(counts[Scenario.ReadUser], 29_000, 31_000);
        Assert.InRange(counts[Scenario.RegisterUser], 9_500, 10_500);
        Assert.False(counts.ContainsKey(Scenario.ReadOrder));
    }

    [Fact]
    public void The_edges_of_the_unit_interval_pick_the_first_and_last_scenario()
    {
        var mix = ScenarioMix.Parse("register-user=1,read-order=1");

        Assert.Equal(Scenario.RegisterUser, mix.Pick(0));
        Assert.Equal(Scenario.ReadOrder, mix.Pick(0.9999999));
        Assert.Equal(Scenario.ReadOrder, mix.Pick(0.5));
    }

    [Theory]
    [InlineData("checkout")]
    [InlineData("checkout=-1")]
    [InlineData("checkout=0")]
    [InlineData("shipping=1")]
    public void A_malformed_mix_is_refused(string text)
    {
        Assert.ThrowsAny<Exception>(() => ScenarioMix.Parse(text));
    }
}
