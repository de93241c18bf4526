using System.Text.RegularExpressions;
using Shop.SloRules;
using Shop.Testing;
using YamlDotNet.RepresentationModel;

namespace Shop.Observability.Tests;

/// <summary>observability/slos.yaml → observability/rules: up to date, valid for promtool, and behaving as the SRE workbook says.</summary>
public sealed partial class SloRulesTests
{
    private static string Observability(params string[] parts) => RepoPaths.Of(["observability", .. parts]);

    [Fact]
    public void Committed_rule_files_are_exactly_what_slos_yaml_generates()
    {
        var output = Directory.CreateTempSubdirectory("shop-slo-rules-").FullName;
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = SloRulesCommand.Run(["--slos", Observability("slos.yaml"), "--out", output], stdout, stderr);
            Assert.True(exit == 0, stderr.ToString());

            foreach (var file in new[] { SloRulesCommand.RulesFile, SloRulesCommand.TestScaledRulesFile })
            {
                var committed = File.ReadAllText(Observability("rules", file));
                var generated = File.ReadAllText(Path.Combine(output, file));
                Assert.True(committed == generated,
                    $"observability/rules/{file} is stale: run `dotnet run --project observability/SloRules` and commit the result.");
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void Check_mode_fails_when_a_rule_file_differs_from_what_the_slos_generate()
    {
        var output = Directory.CreateTempSubdirectory("shop-slo-rules-").FullName;
        try
        {
            using var quiet = new StringWriter();
            Assert.Equal(0, SloRulesCommand.Run(["--slos", Observability("slos.yaml"), "--out", output], quiet, quiet));
            Assert.Equal(0, SloRulesCommand.Run(["--slos", Observability("slos.yaml"), "--out", output, "--check"], quiet, quiet));

            File.AppendAllText(Path.Combine(output, SloRulesCommand.RulesFile), "# edited by hand\n");
            using var stderr = new StringWriter();
            Assert.Equal(1, SloRulesCommand.Run(["--slos", Observability("slos.yaml"), "--out", output, "--check"], quiet, stderr));
            Assert.Contains("dotnet run --project observability/SloRules", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task Rule_files_pass_promtool_check_rules()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");

        var result = await ExternalTool.RunAsync(promtool,
            ["check", "rules", Observability("rules", SloRulesCommand.RulesFile), Observability("rules", SloRulesCommand.TestScaledRulesFile)]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, Regex.Count(result.StandardOutput, "SUCCESS"));
    }

    [Fact]
    public async Task Promtool_rule_unit_tests_show_each_alert_firing_at_its_burn_rate_and_silent_just_below_it()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");
        var tests = Directory.GetFiles(Observability("tests"), "*.test.yml").Order(StringComparer.Ordinal).ToList();
        // These three at least; rule files written by hand next to slos.yml bring tests of their own (workshop module 4).
        Assert.Subset(tests.Select(t => Path.GetFileName(t)).ToHashSet(StringComparer.Ordinal), new HashSet<string>(["indicators.test.yml", "page.test.yml", "ticket.test.yml"], StringComparer.Ordinal));

        var result = await ExternalTool.RunAsync(promtool, ["test", "rules", .. tests], timeout: TimeSpan.FromMinutes(5));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("FAILED", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_slo_records_its_objective_and_seven_error_ratio_windows_and_has_a_page_and_a_ticket_alert()
    {
        var slos = SloFile.Load(Observability("slos.yaml"));
        var groups = Groups(Observability("rules", SloRulesCommand.RulesFile));

        Assert.Equal(slos.Slos.Select(s => "slo-" + s.Name), groups.Select(g => g.Name));
        foreach (var (slo, group) in slos.Slos.Zip(groups))
        {
            Assert.Equal(
                [RuleGenerator.ObjectiveRecord, .. new[] { "5m", "30m", "1h", "2h", "6h", "1d", "3d" }.Select(w => "slo:sli_error:ratio_rate" + w)],
                group.Rules.Where(r => r.Record is not null).Select(r => r.Record));
            Assert.All(group.Rules, rule => Assert.Equal(slo.Name, rule.Labels["slo"]));
            Assert.All(group.Rules, rule => Assert.Equal(slo.Service, rule.Labels["service"]));

            var alerts = group.Rules.Where(r => r.Alert is not null).ToList();
            Assert.All(alerts, alert => Assert.Equal(RuleGenerator.AlertName, alert.Alert));
            Assert.Equal(["page", "ticket"], alerts.Select(a => a.Labels["severity"]));
            Assert.All(alerts, alert => Assert.True(alert.Annotations.ContainsKey("summary") && alert.Annotations.ContainsKey("description")));

            var budget = ((100m - slo.Objective) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains($"slo:sli_error:ratio_rate1h{{slo=\"{slo.Name}\"}} / {budget} > 14.4", alerts[0].Expr, StringComparison.Ordinal);
            Assert.Contains($"slo:sli_error:ratio_rate5m{{slo=\"{slo.Name}\"}} / {budget} > 14.4", alerts[0].Expr, StringComparison.Ordinal);
            Assert.Contains($"slo:sli_error:ratio_rate6h{{slo=\"{slo.Name}\"}} / {budget} > 6", alerts[0].Expr, StringComparison.Ordinal);
            Assert.Contains($"slo:sli_error:ratio_rate30m{{slo=\"{slo.Name}\"}} / {budget} > 6", alerts[0].Expr, StringComparison.Ordinal);
            Assert.Contains($"slo:sli_error:ratio_rate3d{{slo=\"{slo.Name}\"}} / {budget} > 1", alerts[1].Expr, StringComparison.Ordinal);
            Assert.Contains($"slo:sli_error:ratio_rate6h{{slo=\"{slo.Name}\"}} / {budget} > 1", alerts[1].Expr, StringComparison.Ordinal);
            Assert.All(group.Rules.Where(r => r.Record?.StartsWith("slo:sli_error", StringComparison.Ordinal) == true),
                rule => Assert.Contains($"job=\"{slo.Service}\"", rule.Expr, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Test_scaled_rules_divide_every_window_by_sixty_and_keep_the_rule_names()
    {
        var real = Groups(Observability("rules", SloRulesCommand.RulesFile));
        var scaled = Groups(Observability("rules", SloRulesCommand.TestScaledRulesFile));

        Assert.Equal(real.SelectMany(g => g.Rules.Select(r => r.Record ?? r.Alert)), scaled.SelectMany(g => g.Rules.Select(r => r.Record ?? r.Alert)));
        var expected = new Dictionary<string, string> { ["5m"] = "5s", ["30m"] = "30s", ["1h"] = "1m", ["2h"] = "2m", ["6h"] = "6m", ["1d"] = "24m", ["3d"] = "72m" };
        foreach (var rule in scaled.SelectMany(g => g.Rules).Where(r => r.Record?.StartsWith("slo:sli_error:ratio_rate", StringComparison.Ordinal) == true))
        {
            var nominal = rule.Record!["slo:sli_error:ratio_rate".Length..];
            var ranges = RangeSelector().Matches(rule.Expr).Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.Equal([expected[nominal]], ranges);
        }
    }

    [Fact]
    public void Slo_file_problems_are_reported_with_the_slo_they_belong_to()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                period: 30d
                slos:
                  - name: checkout-latency
                    service: gateway
                    objective: 99
                    description: Fast checkouts.
                    indicator:
                      type: http-latency
                      threshold: 0.3
                  - name: Bad_Name
                    service: gateway
                    objective: 100
                    description: x
                    indicator:
                      type: http-availability
                      selector: { job: other }
                """);

            var error = Assert.Throws<SloFileException>(() => SloFile.Load(path));

            Assert.Contains("slo 'checkout-latency': threshold 0.3 is not a bucket boundary", error.Message, StringComparison.Ordinal);
            Assert.Contains("slo 'Bad_Name': name must be lower-case words", error.Message, StringComparison.Ordinal);
            Assert.Contains("slo 'Bad_Name': objective 100 must be a percentage", error.Message, StringComparison.Ordinal);
            Assert.Contains("slo 'Bad_Name': selector label 'job' is set by the generator", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal sealed record Rule(string? Record, string? Alert, string Expr, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

    internal sealed record Group(string Name, IReadOnlyList<Rule> Rules);

    internal static List<Group> Groups(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return ((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>().Select(group => new Group(
            Scalar(group, "name")!,
            ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>().Select(rule => new Rule(
                Scalar(rule, "record"),
                Scalar(rule, "alert"),
                Scalar(rule, "expr")!,
                Map(rule, "labels"),
                Map(rule, "annotations"))).ToList())).ToList();

        static string? Scalar(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

        static Dictionary<string, string> Map(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value)
                ? ((YamlMappingNode)value).Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value!)
                : [];
    }

    [GeneratedRegex(@"\[(\d+[smhd])\]")]
    private static partial Regex RangeSelector();
}
