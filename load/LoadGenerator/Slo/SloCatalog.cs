using Shop.LoadGenerator.Recording;
using Shop.LoadGenerator.Scenarios;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Shop.LoadGenerator.Slo;

/// <summary>
/// The SLOs of observability/slos.yaml, judged from the client's side: gateway SLOs whose selector (route, method)
/// matches requests the generator made. Availability counts 5xx and failed exchanges as bad; latency counts answers
/// slower than the threshold, measured from the intended start. Backend SLOs are not visible from here and are listed as such.
/// </summary>
internal sealed class SloCatalog(IReadOnlyList<SloDefinition> slos)
{
    public IReadOnlyList<SloDefinition> Slos { get; } = slos;

    public static SloCatalog Load(string path)
    {
        var deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).IgnoreUnmatchedProperties().Build();
        var file = deserializer.Deserialize<SloFile>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        foreach (var slo in file.Slos)
        {
            if (string.IsNullOrEmpty(slo.Name) || slo.Objective is <= 0 or > 100 || slo.Indicator?.Type is null)
            {
                throw new InvalidDataException($"{path}: SLO '{slo.Name}' needs a name, an objective in (0, 100] and an indicator type.");
            }

            if (slo.Indicator.Type.EndsWith("-latency", StringComparison.Ordinal) && slo.Indicator.Threshold is not > 0)
            {
                throw new InvalidDataException($"{path}: latency SLO '{slo.Name}' needs a positive threshold in seconds.");
            }
        }

        return new SloCatalog(file.Slos);
    }

    /// <summary>The verdict of each SLO against the results of a run.</summary>
    public IReadOnlyList<SloVerdict> Judge(IEnumerable<RequestResult> results)
    {
        var all = results as IReadOnlyCollection<RequestResult> ?? [.. results];
        return [.. Slos.Select(slo => Judge(slo, all))];
    }

    private static SloVerdict Judge(SloDefinition slo, IReadOnlyCollection<RequestResult> results)
    {
        var type = slo.Indicator!.Type!;
        if (slo.Service != "gateway" || type is not ("http-availability" or "http-latency"))
        {
            return new SloVerdict(slo.Name!, slo.Objective, null, 0, 0, "not observable from the client");
        }

        var eligible = results.Where(r => Matches(slo.Indicator.Selector, r.Scenario)).ToList();
        if (eligible.Count == 0)
        {
            return new SloVerdict(slo.Name!, slo.Objective, null, 0, 0, "no matching requests");
        }

        var thresholdMs = (slo.Indicator.Threshold ?? 0) * 1000;
        var good = type == "http-availability"
            ? eligible.Count(r => !r.ServerError)
            : eligible.Count(r => !r.ServerError && r.LatencyMs <= thresholdMs);
        var percent = 100.0 * good / eligible.Count;
        return new SloVerdict(slo.Name!, slo.Objective, percent, good, eligible.Count, percent >= slo.Objective ? "met" : "MISSED");
    }

    // The gateway's route templates and methods of each scenario, as the SLO selectors name them.
    internal static bool Matches(Dictionary<string, string>? selector, Scenario scenario)
    {
        var (method, route) = scenario switch
        {
            Scenario.RegisterUser => ("POST", "/api/users"),
            Scenario.ReadUser => ("GET", "/api/users/{id}"),
            Scenario.Checkout => ("POST", "/api/orders"),
            Scenario.ReadOrder => ("GET", "/api/orders/{id}"),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        foreach (var (label, value) in selector ?? [])
        {
            var actual = label switch
            {
                "http_route" => route,
                "http_request_method" => method,
                _ => null,
            };
            if (actual != value)
            {
                return false;
            }
        }

        return true;
    }

    private sealed class SloFile
    {
        public List<SloDefinition> Slos { get; set; } = [];
    }
}

/// <summary>One SLO as the YAML states it.</summary>
internal sealed class SloDefinition
{
    public string? Name { get; set; }

    public string? Service { get; set; }

    public double Objective { get; set; }

    public string? Description { get; set; }

    public SloIndicator? Indicator { get; set; }
}

internal sealed class SloIndicator
{
    public string? Type { get; set; }

    public double? Threshold { get; set; }

    public Dictionary<string, string>? Selector { get; set; }
}

/// <summary>An SLO's verdict: the good percentage against the objective, or why it could not be judged.</summary>
internal sealed record SloVerdict(string Name, double Objective, double? GoodPercent, int Good, int Eligible, string Verdict);
