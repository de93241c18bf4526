using Shop.AppHost.Model;

namespace Shop.AppHost.Tests;

/// <summary>The AppHost's wiring goes on top of the inherited environment, except for the user's OpenTelemetry settings.</summary>
public sealed class ChildEnvironmentTests
{
    private static readonly Dictionary<string, string?> Wiring = new()
    {
        ["OTEL_SERVICE_NAME"] = "orders",
        ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=orders-1",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
        ["ConnectionStrings__orders"] = "Host=127.0.0.1",
    };

    [Fact]
    public void Without_user_settings_the_wiring_is_set_as_it_is()
    {
        var environment = ChildEnvironment.Compose(Wiring, _ => null);

        Assert.Equal(Wiring, environment);
    }

    [Fact]
    public void A_user_endpoint_replaces_the_dashboard_export_as_a_whole_and_other_user_settings_win()
    {
        var user = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://jaeger:4317",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "5000",
            ["OTEL_SERVICE_NAME"] = "everything",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=laptop",
        };

        var environment = ChildEnvironment.Compose(Wiring, name => user.GetValueOrDefault(name));

        Assert.False(environment.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT")); // inherited: the user's
        Assert.False(environment.ContainsKey("OTEL_EXPORTER_OTLP_PROTOCOL")); // the user's endpoint, the user's protocol
        Assert.False(environment.ContainsKey("OTEL_BSP_SCHEDULE_DELAY"));
        Assert.Equal("orders", environment["OTEL_SERVICE_NAME"]);
        Assert.Equal("deployment.environment=laptop,service.instance.id=orders-1", environment["OTEL_RESOURCE_ATTRIBUTES"]);
        Assert.Equal("Host=127.0.0.1", environment["ConnectionStrings__orders"]);
    }
}
