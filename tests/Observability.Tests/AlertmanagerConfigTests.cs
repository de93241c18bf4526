using Shop.Hosting;
using Shop.SloRules;
using Shop.Testing;
using YamlDotNet.RepresentationModel;

namespace Shop.Observability.Tests;

/// <summary>observability/alertmanager.template.yml, rendered for a dashboard address, checked by Alertmanager 0.25's amtool.</summary>
public sealed class AlertmanagerConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shop-alertmanager-").FullName;
    private readonly Uri _dashboard = new($"http://127.0.0.1:{FreePort.Next()}");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Rendered_configuration_passes_amtool_check_config()
    {
        var amtool = ExternalTool.Require("amtool", "prometheus-alertmanager");
        var config = Render();

        var result = await ExternalTool.RunAsync(amtool, ["check-config", config]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SUCCESS", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dashboard", "alertname=ErrorBudgetBurn", "slo=checkout-availability", "service=gateway", "severity=page")]
    [InlineData("dashboard", "alertname=ErrorBudgetBurn", "slo=payments-availability", "service=payments", "severity=ticket")]
    [InlineData("discard", "alertname=InstanceDown", "severity=page")]
    public async Task Slo_alerts_are_routed_to_the_dashboard_and_other_alerts_are_not(string receiver, params string[] labels)
    {
        var amtool = ExternalTool.Require("amtool", "prometheus-alertmanager");
        var config = Render();

        var result = await ExternalTool.RunAsync(amtool, ["config", "routes", "test", $"--config.file={config}", $"--verify.receivers={receiver}", .. labels]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(receiver, result.StandardOutput.Trim());
    }

    [Fact]
    public async Task The_dashboard_receiver_posts_to_the_dashboards_alert_webhook_and_reports_resolution()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(await File.ReadAllTextAsync(Render())));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;

        var dashboard = ((YamlSequenceNode)root["receivers"]).Cast<YamlMappingNode>().Single(r => r["name"].ToString() == "dashboard");
        var webhook = (YamlMappingNode)((YamlSequenceNode)dashboard["webhook_configs"]).Single();
        Assert.Equal($"http://127.0.0.1:{_dashboard.Port}{AlertmanagerConfig.WebhookPath}", webhook["url"].ToString());
        Assert.Equal("true", webhook["send_resolved"].ToString());
    }

    [Fact]
    public void Rendering_needs_a_base_address_and_a_template_with_the_placeholder()
    {
        var template = File.ReadAllText(RepoPaths.Of("observability", "alertmanager.template.yml"));

        Assert.Throws<ArgumentException>(() => AlertmanagerConfig.Render(template, new Uri("http://127.0.0.1:1/some/path")));
        Assert.Throws<ArgumentException>(() => AlertmanagerConfig.Render("route: {}", _dashboard));
        Assert.DoesNotContain(AlertmanagerConfig.DashboardUrlPlaceholder, AlertmanagerConfig.Render(template, _dashboard), StringComparison.Ordinal);
    }

    /// <summary>Renders the template the way the README says: through the SloRules command.</summary>
    private string Render()
    {
        var path = Path.Combine(_directory, "alertmanager.yml");
        using var output = new StringWriter();
        var exit = SloRulesCommand.Run(["alertmanager", "--dashboard-url", _dashboard.ToString(), "--out", path], output, output);
        Assert.True(exit == 0, output.ToString());
        return path;
    }
}
