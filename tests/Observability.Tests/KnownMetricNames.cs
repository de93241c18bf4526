using System.Text.RegularExpressions;
using Shop.Conventions;
using Shop.SloRules;
using Shop.Testing;
using YamlDotNet.RepresentationModel;

namespace Shop.Observability.Tests;

/// <summary>
/// Every series name a query may use: what a ServiceDefaults service exposes (tests/TestService after
/// mixed traffic), the suite-specific families listed in observability/suite-metrics.yaml, the SLO
/// recording rules, and ALERTS, which Prometheus itself writes for alerting rules.
/// </summary>
public sealed partial class KnownMetricNames : IAsyncLifetime
{
    /// <summary>Series Prometheus creates itself that the dashboard reads.</summary>
    public static readonly IReadOnlyList<string> PrometheusSeries = ["ALERTS"];

    public HashSet<string> Exposed { get; } = new(StringComparer.Ordinal);

    public HashSet<string> SuiteSpecific { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Recorded { get; } = new(StringComparer.Ordinal);

    public bool Contains(string name) =>
        Exposed.Contains(name) || SuiteSpecific.Contains(name) || Recorded.Contains(name) || PrometheusSeries.Contains(name);

    public async Task InitializeAsync()
    {
        await using (var service = await TestServiceTraffic.StartAsync())
        {
            await TestServiceTraffic.DriveMixedTrafficAsync(service);
            var exposition = await service.Http.GetStringAsync(HealthPaths.Metrics);
            foreach (Match sample in SampleName().Matches(exposition))
            {
                Exposed.Add(sample.Groups[1].Value);
            }
        }

        SuiteSpecific.UnionWith(SuiteFamilies().SelectMany(family => family.Type switch
        {
            "histogram" => new[] { family.Name + "_bucket", family.Name + "_sum", family.Name + "_count" },
            "counter" => [family.Name + "_total"],
            _ => [family.Name],
        }));

        Recorded.UnionWith(SloRulesTests.Groups(RepoPaths.Of("observability", "rules", SloRulesCommand.RulesFile))
            .SelectMany(g => g.Rules).Select(r => r.Record).OfType<string>());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>observability/suite-metrics.yaml: family name and type.</summary>
    public static List<(string Name, string Type)> SuiteFamilies()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(RepoPaths.Of("observability", "suite-metrics.yaml"))));
        return ((YamlMappingNode)yaml.Documents[0].RootNode).Children
            .Select(p => (((YamlScalarNode)p.Key).Value!, ((YamlMappingNode)p.Value)["type"].ToString()))
            .ToList();
    }

    /// <summary>
    /// The series names a PromQL expression selects: identifiers that are not functions, keywords,
    /// label names in matchers or grouping clauses, numbers, or Grafana variables.
    /// </summary>
    public static IReadOnlyList<string> InExpression(string expr)
    {
        var text = GrafanaVariable().Replace(expr, " ");
        text = StringLiteral().Replace(text, "\"\"");
        text = LabelMatchers().Replace(text, "{}");
        text = RangeOrSubquery().Replace(text, " ");
        text = Offset().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        text = NumberLiteral().Replace(text, " ");
        return Identifier().Matches(text)
            .Select(m => m.Value)
            .Where(name => !Keywords.Contains(name))
            .Distinct()
            .ToList();
    }

    private static readonly HashSet<string> Keywords = new(["and", "or", "unless", "bool", "inf", "nan"], StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", RegexOptions.Multiline)]
    private static partial Regex SampleName();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex(@"\boffset\s+-?[0-9smhdwy]+")]
    private static partial Regex Offset();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w:.])\d+(\.\d+)?([eE][+-]?\d+)?")]
    private static partial Regex NumberLiteral();

    [GeneratedRegex(@"[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\(|[a-zA-Z0-9_:])")]
    private static partial Regex Identifier();
}
