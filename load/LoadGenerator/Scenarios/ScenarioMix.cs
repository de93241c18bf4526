using System.Globalization;

namespace Shop.LoadGenerator.Scenarios;

/// <summary>A weighted choice of scenarios: each is picked with probability weight / sum of weights.</summary>
internal sealed class ScenarioMix
{
    private readonly Scenario[] _scenarios;
    private readonly double[] _cumulative;

    public ScenarioMix(IReadOnlyDictionary<Scenario, double> weights)
    {
        if (weights.Values.Any(w => w < 0 || double.IsNaN(w) || double.IsInfinity(w)))
        {
            throw new ArgumentException("Mix weights must be finite and not negative.", nameof(weights));
        }

        var used = weights.Where(w => w.Value > 0).OrderBy(w => w.Key).ToArray();
        if (used.Length == 0)
        {
            throw new ArgumentException("The mix needs at least one scenario with a positive weight.", nameof(weights));
        }

        Weights = used.ToDictionary(w => w.Key, w => w.Value);
        var total = used.Sum(w => w.Value);
        _scenarios = [.. used.Select(w => w.Key)];
        _cumulative = new double[used.Length];
        var sum = 0.0;
        for (var i = 0; i < used.Length; i++)
        {
            sum += used[i].Value / total;
            _cumulative[i] = sum;
        }

        _cumulative[^1] = 1.0;
    }

    public IReadOnlyDictionary<Scenario, double> Weights { get; }

    /// <summary>The default mix: mostly reads, a fifth checkouts, some sign-ups.</summary>
    public static ScenarioMix Default { get; } = Parse("register-user=1,read-user=3,checkout=4,read-order=2");

    /// <summary>Parses "checkout=4,read-user=3,...": scenario names with their relative weights.</summary>
    public static ScenarioMix Parse(string text)
    {
        var weights = new Dictionary<Scenario, double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight))
            {
                throw new FormatException($"Mix entry '{part}' is not scenario=weight.");
            }

            weights[ScenarioNames.Parse(pair[0])] = weight;
        }

        return new ScenarioMix(weights);
    }

    /// <summary>The scenario for a uniform random number in [0, 1).</summary>
    public Scenario Pick(double uniform)
    {
        var index = Array.BinarySearch(_cumulative, uniform);
        index = index >= 0 ? index + 1 : ~index;
        return _scenarios[Math.Min(index, _scenarios.Length - 1)];
    }

    public override string ToString() =>
        string.Join(",", Weights.Select(w => $"{w.Key.Name()}={w.Value.ToString(CultureInfo.InvariantCulture)}"));
}
