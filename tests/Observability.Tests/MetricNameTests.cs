using System.Text.Json;
using System.Text.RegularExpressions;
using Shop.SloRules;
using Shop.Testing;

namespace Shop.Observability.Tests;

/// <summary>The Grafana dashboard and the SLO rules read only series that exist.</summary>
public sealed partial class MetricNameTests(KnownMetricNames known) : IClassFixture<KnownMetricNames>
{
    private static readonly string DashboardPath = RepoPaths.Of("observability", "grafana", "shop-services.json");

    [Fact]
    public void The_grafana_dashboard_parses_and_every_panel_queries_prometheus_through_the_datasource_variable()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var root = dashboard.RootElement;

        Assert.Equal("shop-services-slos", root.GetProperty("uid").GetString());
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        Assert.Contains(variables, v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
        Assert.Contains(variables, v => v.GetProperty("name").GetString() == "service");

        var panels = root.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.NotEmpty(panels);
        Assert.All(panels, panel =>
        {
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()));
        });
        var titles = panels.Select(p => p.GetProperty("title").GetString()!).ToList();
        Assert.Contains(titles, t => t.StartsWith("Burn rate", StringComparison.Ordinal));
        Assert.Contains(titles, t => t.Contains("p99", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_metric_the_dashboard_queries_is_exposed_by_the_services_or_recorded_by_the_slo_rules()
    {
        var used = DashboardExpressions().SelectMany(KnownMetricNames.InExpression).Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Contains("http_server_request_duration_seconds_bucket", used);
        Assert.Contains("rpc_server_call_duration_seconds_bucket", used);
        Assert.Contains("slo:sli_error:ratio_rate1h", used);
        Assert.All(used, name => Assert.True(known.Contains(name),
            $"{name} is used by the dashboard but neither exposed by TestService nor listed in observability/suite-metrics.yaml nor recorded by the SLO rules."));
    }

    [Fact]
    public void Every_metric_the_slo_rules_read_is_exposed_by_the_services_or_recorded_by_the_rules()
    {
        var used = SloRulesTests.Groups(RepoPaths.Of("observability", "rules", SloRulesCommand.RulesFile))
            .SelectMany(g => g.Rules)
            .SelectMany(r => KnownMetricNames.InExpression(r.Expr))
            .Distinct()
            .ToList();

        Assert.Contains("http_server_request_duration_seconds_count", used);
        Assert.Contains("rpc_server_call_duration_seconds_count", used);
        Assert.All(used, name => Assert.True(known.Contains(name),
            $"{name} is read by the SLO rules but neither exposed by TestService nor listed in observability/suite-metrics.yaml."));
    }

    [Fact]
    public void The_names_tests_service_exposes_include_what_every_service_gets_from_service_defaults()
    {
        Assert.Contains("target_info", known.Exposed);
        Assert.Contains("http_server_request_duration_seconds_bucket", known.Exposed);
        Assert.Contains("http_client_request_duration_seconds_bucket", known.Exposed);
        Assert.DoesNotContain("rpc_server_call_duration_seconds_bucket", known.Exposed);
        Assert.Contains("rpc_server_call_duration_seconds_bucket", known.SuiteSpecific);
    }

    [Theory]
    [InlineData("sum by (job, http_route) (rate(http_server_request_duration_seconds_count{job=~\"$service\",http_response_status_code=~\"5..\"}[$__rate_interval]))", "http_server_request_duration_seconds_count")]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m])))", "a_bucket")]
    [InlineData("slo:sli_error:ratio_rate1h{slo=\"x\"} / on (slo, service) group_left () (1 - slo:objective:ratio)", "slo:sli_error:ratio_rate1h slo:objective:ratio")]
    [InlineData("(sum(rate(bad[1h])) or vector(0)) / sum(rate(total[1h])) > 14.4 and up offset 5m", "bad total up")]
    [InlineData("1e-3 * foo", "foo")]
    public void Metric_names_are_read_out_of_promql(string expr, string expected) =>
        Assert.Equal(expected.Split(' '), KnownMetricNames.InExpression(expr));

    private static List<string> DashboardExpressions()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var root = dashboard.RootElement;
        var expressions = new List<string>();
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
        {
            if (panel.TryGetProperty("targets", out var targets))
            {
                expressions.AddRange(targets.EnumerateArray().Select(t => t.GetProperty("expr").GetString()!));
            }
        }

        foreach (var annotation in root.GetProperty("annotations").GetProperty("list").EnumerateArray())
        {
            expressions.Add(annotation.GetProperty("expr").GetString()!);
        }

        // Template variables use Grafana's label_values(metric, label).
        foreach (var variable in root.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.TryGetProperty("definition", out var definition) && LabelValues().Match(definition.GetString()!) is { Success: true } match)
            {
                expressions.Add(match.Groups[1].Value);
            }
        }

        return expressions;
    }

    [GeneratedRegex(@"label_values\(\s*([^,\s)]+)")]
    private static partial Regex LabelValues();
}
