using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Shop.ServiceDefaults.Metrics;

namespace Shop.ServiceDefaults.Tests;

/// <summary>What /metrics writes for real SDK data, in the 0.0.4 text format and in OpenMetrics 1.0.</summary>
public sealed class PrometheusExpositionTests : IDisposable
{
    private readonly Meter _meter = new("Shop.Tests.Exposition." + Guid.NewGuid().ToString("N"), "1.2.3");
    private readonly PrometheusCollector _collector = new();
    private readonly ActivitySource _source = new("Shop.Tests.Exposition");
    private readonly MeterProvider _provider;
    private readonly TracerProvider _tracing;

    public PrometheusExpositionTests()
    {
        _provider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.Clear().AddService("checkout", serviceVersion: "2.0.0"))
            .AddMeter(_meter.Name)
            .AddView(instrument => instrument.Unit == "s"
                ? new ExplicitBucketHistogramConfiguration { Boundaries = [0.1, 0.5, 1, 100000, 1_000_000] }
                : null)
            .SetExemplarFilter(ExemplarFilterType.TraceBased)
            .AddReader(_collector.Reader)
            .Build();
        _tracing = Sdk.CreateTracerProviderBuilder().AddSource(_source.Name).Build();
    }

    public void Dispose()
    {
        _tracing.Dispose();
        _provider.Dispose();
        _meter.Dispose();
        _source.Dispose();
    }

    [Fact]
    public async Task Counter_gets_total_on_its_samples_and_is_typed_by_sample_name_in_text_by_family_name_in_openmetrics()
    {
        _meter.CreateCounter<long>("orders.placed", "{order}", "Orders placed.").Add(3, new KeyValuePair<string, object?>("tenant.id", "t1"));

        var (text, om) = await ScrapeAsync();

        Assert.Contains("# HELP orders_placed_total Orders placed.\n# TYPE orders_placed_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains($"orders_placed_total{{otel_scope_name=\"{_meter.Name}\",otel_scope_version=\"1.2.3\",tenant_id=\"t1\"}} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE orders_placed counter\n# HELP orders_placed Orders placed.\n", om, StringComparison.Ordinal);
        Assert.Contains($"orders_placed_total{{otel_scope_name=\"{_meter.Name}\",otel_scope_version=\"1.2.3\",tenant_id=\"t1\"}} 3\n", om, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Histogram_has_cumulative_buckets_with_le_up_to_plus_inf_then_sum_and_count()
    {
        var histogram = _meter.CreateHistogram<double>("checkout.duration", "s", "Checkout latency.");
        foreach (var value in new[] { 0.05, 0.2, 0.3, 0.7, 2.0 })
        {
            histogram.Record(value);
        }

        var (text, _) = await ScrapeAsync();

        var scope = $"otel_scope_name=\"{_meter.Name}\",otel_scope_version=\"1.2.3\"";
        Assert.Contains(
            "# HELP checkout_duration_seconds Checkout latency.\n" +
            "# TYPE checkout_duration_seconds histogram\n" +
            $"checkout_duration_seconds_bucket{{{scope},le=\"0.1\"}} 1\n" +
            $"checkout_duration_seconds_bucket{{{scope},le=\"0.5\"}} 3\n" +
            $"checkout_duration_seconds_bucket{{{scope},le=\"1\"}} 4\n" +
            $"checkout_duration_seconds_bucket{{{scope},le=\"100000\"}} 5\n" +
            $"checkout_duration_seconds_bucket{{{scope},le=\"1e+06\"}} 5\n" +
            $"checkout_duration_seconds_bucket{{{scope},le=\"+Inf\"}} 5\n" +
            $"checkout_duration_seconds_sum{{{scope}}} 3.25\n" +
            $"checkout_duration_seconds_count{{{scope}}} 5\n",
            text,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openmetrics_writes_le_values_canonically_and_declares_the_unit()
    {
        _meter.CreateHistogram<double>("checkout.duration", "s", "Checkout latency.").Record(0.2);

        var (_, om) = await ScrapeAsync();

        Assert.Contains("# TYPE checkout_duration_seconds histogram\n# UNIT checkout_duration_seconds seconds\n", om, StringComparison.Ordinal);
        foreach (var le in new[] { "0.1", "0.5", "1.0", "100000.0", "1e+06", "+Inf" })
        {
            Assert.Contains($"le=\"{le}\"}}", om, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Up_down_counters_and_gauges_are_gauges()
    {
        _meter.CreateUpDownCounter<long>("queue.depth", "{item}", "Items waiting.").Add(5);
        _meter.CreateObservableGauge("pool.utilization", () => 0.75, "1", "Share of the pool in use.");

        var (text, _) = await ScrapeAsync();

        Assert.Contains("# TYPE queue_depth gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("queue_depth{", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE pool_utilization_ratio gauge\n", text, StringComparison.Ordinal);
        Assert.Matches(@"pool_utilization_ratio\{[^}]*\} 0\.75\n", text);
    }

    [Fact]
    public async Task Label_values_escape_backslash_quote_and_newline_and_help_escapes_in_each_format()
    {
        _meter.CreateCounter<long>("escapes", description: "Help with \\ and \"quotes\"\nand a line").Add(1, new KeyValuePair<string, object?>("path", "C:\\dir \"x\"\ny"));

        var (text, om) = await ScrapeAsync();

        Assert.Contains("path=\"C:\\\\dir \\\"x\\\"\\ny\"", text, StringComparison.Ordinal);
        Assert.Contains("# HELP escapes_total Help with \\\\ and \"quotes\"\\nand a line\n", text, StringComparison.Ordinal);
        Assert.Contains("# HELP escapes Help with \\\\ and \\\"quotes\\\"\\nand a line\n", om, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resource_attributes_appear_once_as_target_info_and_never_as_metric_labels()
    {
        _meter.CreateCounter<long>("requests").Add(1);

        var (text, om) = await ScrapeAsync();

        Assert.StartsWith("# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{", text, StringComparison.Ordinal);
        Assert.StartsWith("# TYPE target info\n# HELP target Target metadata\ntarget_info{", om, StringComparison.Ordinal);
        var targetInfo = Assert.Single(text.Split('\n'), line => line.StartsWith("target_info{", StringComparison.Ordinal));
        Assert.Contains("service_name=\"checkout\"", targetInfo, StringComparison.Ordinal);
        Assert.Contains("service_version=\"2.0.0\"", targetInfo, StringComparison.Ordinal);
        Assert.EndsWith("} 1", targetInfo, StringComparison.Ordinal);
        Assert.DoesNotContain("service_name", Assert.Single(text.Split('\n'), line => line.StartsWith("requests_total", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_instrument_name_in_two_meters_is_one_family_told_apart_by_scope_labels()
    {
        using var other = new Meter(_meter.Name, "9.9.9");
        _meter.CreateCounter<long>("jobs.run", description: "Jobs run.").Add(1);
        other.CreateCounter<long>("jobs.run", description: "Jobs run.").Add(2);

        var (text, om) = await ScrapeAsync();

        Assert.Single(text.Split('\n'), line => line == "# TYPE jobs_run_total counter");
        Assert.Single(om.Split('\n'), line => line == "# TYPE jobs_run counter");
        Assert.Contains("otel_scope_version=\"1.2.3\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("otel_scope_version=\"9.9.9\"} 2\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_type_under_a_taken_name_is_dropped_instead_of_writing_a_conflicting_type()
    {
        _meter.CreateCounter<long>("work", description: "first").Add(1);
        _meter.CreateHistogram<long>("work.total", description: "second").Record(1);
        _meter.CreateObservableGauge("work", () => 1L, description: "third");

        var (text, _) = await ScrapeAsync();

        var types = text.Split('\n').Where(line => line.StartsWith("# TYPE work", StringComparison.Ordinal)).ToList();
        Assert.Equal(["# TYPE work_total counter"], types);
    }

    [Fact]
    public async Task Openmetrics_exemplars_carry_the_trace_and_span_of_the_sampled_measurement_in_the_bucket_it_fell_into()
    {
        var histogram = _meter.CreateHistogram<double>("checkout.duration", "s");
        var counter = _meter.CreateCounter<long>("checkouts");
        string traceId;
        string spanId;
        using (var activity = _source.StartActivity("checkout"))
        {
            Assert.NotNull(activity);
            traceId = activity.TraceId.ToHexString();
            spanId = activity.SpanId.ToHexString();
            histogram.Record(0.3);
            counter.Add(1);
        }

        histogram.Record(0.05); // not sampled: no exemplar for the 0.1 bucket

        var (text, om) = await ScrapeAsync();

        var exemplar = $" # {{trace_id=\"{traceId}\",span_id=\"{spanId}\"}} 0.3 ";
        var bucket = Assert.Single(om.Split('\n'), line => line.Contains(exemplar, StringComparison.Ordinal));
        Assert.StartsWith("checkout_duration_seconds_bucket{", bucket, StringComparison.Ordinal);
        Assert.Contains("le=\"0.5\"} 2 #", bucket, StringComparison.Ordinal);
        Assert.Matches(@" \d{10}\.\d{3}$", bucket);
        Assert.Contains(om.Split('\n'), line => line.StartsWith("checkouts_total{", StringComparison.Ordinal) && line.Contains($"}} 1 # {{trace_id=\"{traceId}\",span_id=\"{spanId}\"}} 1 ", StringComparison.Ordinal));
        Assert.DoesNotContain("trace_id", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openmetrics_ends_with_eof_and_text_does_not()
    {
        _meter.CreateCounter<long>("requests").Add(1);

        var (text, om) = await ScrapeAsync();

        Assert.EndsWith("\n# EOF\n", om, StringComparison.Ordinal);
        Assert.DoesNotContain("# EOF", text, StringComparison.Ordinal);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_scrapes_while_measurements_are_recorded_all_get_complete_cumulative_data()
    {
        var counter = _meter.CreateCounter<long>("concurrent.requests");
        counter.Add(1);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                counter.Add(1);
            }
        });

        var scrapes = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(_collector.CollectAsync)));
        await stop.CancelAsync();
        await writer;

        var totals = scrapes.Select(snapshot =>
        {
            var family = Assert.Single(Assert.IsType<PrometheusSnapshot>(snapshot).Families, f => f.Name == "concurrent_requests");
            return Assert.Single(family.Series).Value;
        }).ToList();
        Assert.All(totals, total => Assert.True(total >= 1));
        var final = Assert.Single((await _collector.CollectAsync())!.Families, f => f.Name == "concurrent_requests").Series[0].Value;
        Assert.True(final >= totals.Max(), "a later scrape never sees a smaller cumulative total");
    }

    [Theory]
    [InlineData(0.005, "0.005")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(100000d, "100000")]
    [InlineData(1000000d, "1e+06")]
    [InlineData(1234567.5, "1.2345675e+06")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(42d, "42")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Numbers_are_written_as_go_writes_them(double value, string expected) =>
        Assert.Equal(expected, PrometheusSerializer.Number(value));

    [Theory]
    [InlineData(0.5, "0.5", "0.5")]
    [InlineData(1d, "1", "1.0")]
    [InlineData(10d, "10", "10.0")]
    [InlineData(0.001, "0.001", "0.001")]
    [InlineData(100000d, "100000", "100000.0")]
    [InlineData(1e-10, "1e-10", "1e-10")]
    public void Le_values_follow_go_in_text_and_the_canonical_openmetrics_form(double bound, string text, string openMetrics)
    {
        Assert.Equal(text, PrometheusSerializer.LeValue(bound, om: false));
        Assert.Equal(openMetrics, PrometheusSerializer.LeValue(bound, om: true));
    }

    private async Task<(string Text, string OpenMetrics)> ScrapeAsync()
    {
        var snapshot = await _collector.CollectAsync();
        Assert.NotNull(snapshot);
        return (PrometheusSerializer.Write(snapshot, PrometheusFormat.Text), PrometheusSerializer.Write(snapshot, PrometheusFormat.OpenMetrics));
    }
}
