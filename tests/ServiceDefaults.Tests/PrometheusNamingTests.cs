using Shop.ServiceDefaults.Metrics;

namespace Shop.ServiceDefaults.Tests;

/// <summary>OpenTelemetry → Prometheus names, units and labels, per the OpenTelemetry compatibility specification.</summary>
public sealed class PrometheusNamingTests
{
    [Theory]
    [InlineData("http.server.request.duration", "s", "Histogram", "http_server_request_duration_seconds")]
    [InlineData("kestrel.connection.duration", "s", "Histogram", "kestrel_connection_duration_seconds")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", "Counter", "dotnet_gc_heap_total_allocated_bytes")]
    [InlineData("dotnet.process.memory.working_set", "By", "Gauge", "dotnet_process_memory_working_set_bytes")]
    [InlineData("payload.size", "KiBy", "Histogram", "payload_size_kibibytes")]
    [InlineData("room.temperature", "Cel", "Gauge", "room_temperature_celsius")]
    [InlineData("job.wait", "min", "Histogram", "job_wait_minutes")]
    public void Ucum_units_become_plural_unit_words_appended_to_the_name(string name, string unit, string type, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, Enum.Parse<PrometheusType>(type)).Name);

    [Theory]
    [InlineData("http.server.active_requests", "{request}", "Gauge", "http_server_active_requests")]
    [InlineData("dotnet.gc.collections", "{collection}", "Counter", "dotnet_gc_collections")]
    [InlineData("queue.items", "{item}", "Gauge", "queue_items")]
    public void Annotations_in_braces_are_dropped_so_counts_of_things_get_no_unit(string name, string unit, string type, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, Enum.Parse<PrometheusType>(type)).Name);

    [Theory]
    [InlineData("system.cpu.utilization", "Gauge", "system_cpu_utilization_ratio")]
    [InlineData("cache.hit_ratio", "Gauge", "cache_hit_ratio")]
    [InlineData("messages.delivered", "Counter", "messages_delivered")]
    [InlineData("batch.fill", "Histogram", "batch_fill")]
    public void Unit_one_is_ratio_for_gauges_only(string name, string type, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, "1", Enum.Parse<PrometheusType>(type)).Name);

    [Theory]
    [InlineData("network.io", "By/s", "network_io_bytes_per_second")]
    [InlineData("requests.rate", "{request}/s", "requests_rate_per_second")]
    [InlineData("vehicle.speed", "m/h", "vehicle_speed_meters_per_hour")]
    public void Rate_units_become_x_per_singular_y(string name, string unit, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, PrometheusType.Gauge).Name);

    [Theory]
    [InlineData("process.runtime.duration_seconds", "s", "Histogram", "process_runtime_duration_seconds")]
    [InlineData("db.pool.size_bytes", "By", "Gauge", "db_pool_size_bytes")]
    [InlineData("cpu.time_total", "s", "Counter", "cpu_time_seconds")]
    [InlineData("jobs.processed_total", "{job}", "Counter", "jobs_processed")]
    public void A_name_that_already_ends_with_its_unit_or_total_is_not_suffixed_twice(string name, string unit, string type, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, Enum.Parse<PrometheusType>(type)).Name);

    [Theory]
    [InlineData("queue-depth/max", "queue_depth_max")]
    [InlineData("db..calls", "db_calls")]
    [InlineData("Shop.Checkout:outcomes", "Shop_Checkout_outcomes")]
    public void Characters_outside_the_name_alphabet_become_single_underscores(string name, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, null, PrometheusType.Gauge).Name);

    [Theory]
    [InlineData("dotnet.timer.count", "{timer}", "dotnet_timer_count_current")]
    [InlineData("db.client.connection.count", "{connection}", "db_client_connection_count_current")]
    [InlineData("cache.entries.sum", "", "cache_entries_sum_current")]
    [InlineData("build.info", "", "build_info_current")]
    public void A_gauge_never_ends_in_a_suffix_reserved_for_histogram_counter_or_info_samples(string name, string unit, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, PrometheusType.Gauge).Name);

    [Fact]
    public void The_unit_word_is_reported_for_openmetrics_unit_metadata() =>
        Assert.Equal(("http_server_request_duration_seconds", "seconds"), PrometheusNaming.MetricName("http.server.request.duration", "s", PrometheusType.Histogram));

    [Theory]
    [InlineData("http.route", "http_route")]
    [InlineData("http.response.status_code", "http_response_status_code")]
    [InlineData("a..b", "a_b")]
    [InlineData("1st.try", "key_1st_try")]
    [InlineData("_private", "key_private")]
    [InlineData("tenant-id", "tenant_id")]
    public void Label_names_are_sanitised_and_never_start_with_an_underscore_or_digit(string key, string expected) =>
        Assert.Equal(expected, PrometheusNaming.LabelName(key));

    [Fact]
    public void Attributes_that_sanitise_to_the_same_label_are_joined_with_semicolons_in_key_order()
    {
        var labels = PrometheusNaming.Labels([new("a_b", "second"), new("a.b", "first"), new("c", "x")]);

        Assert.Equal([new("a_b", "first;second"), new("c", "x")], labels);
    }

    [Fact]
    public void Non_string_attribute_values_follow_the_attribute_specification()
    {
        var labels = PrometheusNaming.Labels(
        [
            new("flag", true),
            new("count", 42L),
            new("ratio", 0.25),
            new("codes", new long[] { 1, 2 }),
            new("names", new[] { "a", "b\"c" }),
            new("absent", null),
            new("empty", ""),
        ]);

        Assert.Equal(["codes", "count", "flag", "names", "ratio"], labels.Select(l => l.Key));
        Assert.Equal("[1,2]", labels[0].Value);
        Assert.Equal("42", labels[1].Value);
        Assert.Equal("true", labels[2].Value);
        Assert.Equal(["a", "b\"c"], System.Text.Json.JsonSerializer.Deserialize<string[]>(labels[3].Value)!);
        Assert.Equal("0.25", labels[4].Value);
    }
}
