using Microsoft.Extensions.Primitives;
using Shop.ServiceDefaults.Metrics;

namespace Shop.ServiceDefaults.Tests;

public sealed class PrometheusContentNegotiationTests
{
    [Theory]
    // What Prometheus 2.42 sends on every scrape.
    [InlineData("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", "OpenMetrics")]
    [InlineData("application/openmetrics-text", "OpenMetrics")]
    [InlineData("application/openmetrics-text; version=1.0.0; charset=utf-8", "OpenMetrics")]
    [InlineData("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5", "Text")]
    [InlineData("text/plain;q=0.2, application/openmetrics-text;q=0.8", "OpenMetrics")]
    [InlineData("text/plain", "Text")]
    [InlineData("*/*", "Text")]
    [InlineData("", "Text")]
    [InlineData("application/openmetrics-text;q=0", "Text")]
    [InlineData("application/openmetrics-text;version=2.0.0", "Text")]
    [InlineData("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", "Text")]
    [InlineData("application/json", "Text")]
    public void The_format_follows_the_accept_header_as_prometheus_negotiates_it(string accept, string expected) =>
        Assert.Equal(Enum.Parse<PrometheusFormat>(expected), PrometheusContentNegotiation.Select(new StringValues(accept)));

    [Fact]
    public void No_accept_header_gets_the_text_format() =>
        Assert.Equal(PrometheusFormat.Text, PrometheusContentNegotiation.Select(StringValues.Empty));
}
