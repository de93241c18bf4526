using Shop.Dashboard.Query;
using Shop.Dashboard.Store;

namespace Shop.Dashboard.Tests;

/// <summary>Go durations, tag parameters, the critical path and the metrics math, checked directly.</summary>
public sealed class QueryMathTests
{
    [Theory]
    [InlineData("100ms", 100_000_000L)]
    [InlineData("1.5s", 1_500_000_000L)]
    [InlineData("1h2m", 3_720_000_000_000L)]
    [InlineData("300us", 300_000L)]
    [InlineData("300µs", 300_000L)]
    [InlineData("250ns", 200L)]
    [InlineData("0", 0L)]
    public void Go_durations_parse_to_nanoseconds(string text, long nanoseconds)
    {
        Assert.True(QueryParameters.TryParseDuration(text, allowDays: false, out var duration));
        Assert.Equal(nanoseconds, (long)duration.TotalNanoseconds);
    }

    [Theory]
    [InlineData("5 ms")]
    [InlineData("ms")]
    [InlineData("1x")]
    [InlineData("2d")]
    [InlineData("")]
    public void Malformed_go_durations_are_refused(string text)
    {
        Assert.False(QueryParameters.TryParseDuration(text, allowDays: false, out _));
    }

    [Fact]
    public void A_lookback_may_count_days_and_weeks()
    {
        Assert.True(QueryParameters.TryParseDuration("2d", allowDays: true, out var days));
        Assert.True(QueryParameters.TryParseDuration("1w", allowDays: true, out var week));
        Assert.Equal(TimeSpan.FromDays(2), days);
        Assert.Equal(TimeSpan.FromDays(7), week);
    }

    [Fact]
    public void Tags_come_from_repeated_tag_parameters_and_from_json_with_colons_kept_in_values()
    {
        var tags = QueryParameters.ParseTags(["http.route:/a/{id}", "url.full:http://x:80/"], ["{\"tenant.id\":\"t-1\"}"]);

        Assert.Equal("/a/{id}", tags["http.route"]);
        Assert.Equal("http://x:80/", tags["url.full"]);
        Assert.Equal("t-1", tags["tenant.id"]);
        Assert.Throws<QueryParameterException>(() => QueryParameters.ParseTags(["no-colon"], []));
        Assert.Throws<QueryParameterException>(() => QueryParameters.ParseTags([], ["{not json"]));
    }

    [Fact]
    public void The_critical_path_runs_through_sequential_children_and_the_parents_gaps()
    {
        var root = Span(1, 0, 0, 100);
        var first = Span(2, 1, 10, 40);
        var second = Span(3, 1, 50, 90);

        var path = CriticalPath.Compute([root, first, second]);

        Assert.Equal([(1UL, 90L, 100L), (3UL, 50L, 90L), (1UL, 40L, 50L), (2UL, 10L, 40L), (1UL, 0L, 10L)],
            path.Select(s => (s.SpanId, s.StartUnixNano, s.EndUnixNano)));
        Assert.Equal(30, CriticalPath.SelfTime(path)[1]);
    }

    [Fact]
    public void A_child_that_ran_beside_a_later_finishing_sibling_is_not_on_the_critical_path()
    {
        var root = Span(1, 0, 0, 100);
        var longer = Span(2, 1, 10, 80);
        var parallel = Span(3, 1, 20, 60);
        var grandchild = Span(4, 2, 30, 95);

        var path = CriticalPath.Compute([root, longer, parallel, grandchild]);

        Assert.DoesNotContain(path, s => s.SpanId == 3);
        Assert.Contains(path, s => s.SpanId == 4 && s.EndUnixNano == 80);
        Assert.Equal(100, path.Sum(s => s.DurationNano));
    }

    [Fact]
    public void Quantiles_interpolate_inside_buckets_like_histogram_quantile()
    {
        double[] bounds = [0.1, 0.5, 1];
        double[] counts = [50, 40, 10, 0];

        Assert.Equal(0.1, ServiceMetrics.Quantile(0.5, bounds, counts)!.Value, 9);
        Assert.Equal(0.75, ServiceMetrics.Quantile(0.95, bounds, counts)!.Value, 9);
        Assert.Equal(1, ServiceMetrics.Quantile(1, bounds, [0, 0, 0, 5])!.Value, 9);
        Assert.Null(ServiceMetrics.Quantile(0.5, bounds, [0, 0, 0, 0]));
    }

    [Fact]
    public void Cumulative_histograms_count_the_increase_over_the_window_and_survive_a_restart()
    {
        var store = new MetricStore(100, TimeSpan.FromHours(1));
        var minute = 60_000_000_000L;
        var now = 100 * minute;
        Add(store, "steady", start: 0, time: now - (10 * minute), count: 100, buckets: [100, 0, 0, 0]);
        Add(store, "steady", start: 0, time: now - (4 * minute), count: 150, buckets: [140, 10, 0, 0]);
        Add(store, "steady", start: 0, time: now, count: 200, buckets: [180, 20, 0, 0]);
        Add(store, "restarted", start: 0, time: now - (10 * minute), count: 500, buckets: [500, 0, 0, 0]);
        Add(store, "restarted", start: now - (2 * minute), time: now - minute, count: 7, buckets: [7, 0, 0, 0]);
        Add(store, "restarted", start: now - (2 * minute), time: now, count: 10, buckets: [9, 1, 0, 0]);
        Add(store, "failing", start: 0, time: now - (10 * minute), count: 0, buckets: [0, 0, 0, 0], error: true);
        Add(store, "failing", start: 0, time: now, count: 4, buckets: [4, 0, 0, 0], error: true);
        Add(store, "failing", start: 0, time: now - (10 * minute), count: 0, buckets: [0, 0, 0, 0], error: false);
        Add(store, "failing", start: 0, time: now, count: 12, buckets: [12, 0, 0, 0], error: false);

        var routes = ServiceMetrics.Compute(store, now, TimeSpan.FromMinutes(5));

        var steady = routes.Single(r => r.Service == "steady");
        Assert.Equal(100, steady.Requests);
        Assert.Equal(100 / 300.0, steady.RatePerSecond, 9);
        Assert.Equal(0, steady.ErrorRatio);
        var restarted = routes.Single(r => r.Service == "restarted");
        Assert.Equal(10, restarted.Requests);
        var failing = routes.Single(r => r.Service == "failing");
        Assert.Equal(16, failing.Requests);
        Assert.Equal(0.25, failing.ErrorRatio, 9);
    }

    [Fact]
    public void History_gives_each_step_its_own_rate_errors_and_percentiles()
    {
        var store = new MetricStore(100, TimeSpan.FromHours(1));
        var minute = 60_000_000_000L;
        var now = 100 * minute;
        // One export a minute: 60 requests in the first minute, 120 in the second (all fast), 30 in the third, 10 of them failing and slow.
        Add(store, "svc", start: 0, time: now - (3 * minute), count: 0, buckets: [0, 0, 0, 0]);
        Add(store, "svc", start: 0, time: now - (2 * minute), count: 60, buckets: [60, 0, 0, 0]);
        Add(store, "svc", start: 0, time: now - minute, count: 180, buckets: [180, 0, 0, 0]);
        Add(store, "svc", start: 0, time: now, count: 200, buckets: [200, 0, 0, 0]);
        Add(store, "svc", start: 0, time: now - (3 * minute), count: 0, buckets: [0, 0, 0, 0], error: true);
        Add(store, "svc", start: 0, time: now, count: 10, buckets: [0, 0, 10, 0], error: true);

        var history = Assert.Single(ServiceMetrics.History(store, now, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1)));

        Assert.Equal(("http", "GET /x", 60.0), (history.Kind, history.Route, history.StepSeconds));
        Assert.Equal([(now - (2 * minute)) / 1000, (now - minute) / 1000, now / 1000], history.Points.Select(p => p.Time));
        Assert.Equal([1.0, 2.0, 0.5], history.Points.Select(p => Math.Round(p.RatePerSecond, 9)));
        Assert.Equal([0, 0, 1 / 3.0], history.Points.Select(p => Math.Round(p.ErrorRatio, 9)), (a, b) => Math.Abs(a - b) < 1e-9);
        Assert.True(history.Points[2].P99Seconds > 0.5, $"p99 {history.Points[2].P99Seconds}"); // the slow failures land in the last step only
        Assert.True(history.Points[1].P99Seconds <= 0.1, $"p99 {history.Points[1].P99Seconds}");
    }

    [Fact]
    public void Slo_latency_counts_the_requests_above_the_threshold_bucket_as_bad_and_burns_against_the_budget()
    {
        var store = new MetricStore(100, TimeSpan.FromHours(7));
        var minute = 60_000_000_000L;
        var now = 100 * minute;
        // Buckets (0.1, 0.5, 1, +Inf): 90 fast, 6 under 0.5 s, 3 under 1 s, 1 slower.
        Add(store, "svc", start: 0, time: now - (10 * minute), count: 0, buckets: [0, 0, 0, 0]);
        Add(store, "svc", start: 0, time: now, count: 100, buckets: [90, 6, 3, 1]);
        var slo = new SloOptions { Name = "x-latency", Service = "svc", Objective = 99, Type = "http-latency", Threshold = 0.5, Selector = { ["http_route"] = "/x" } };

        var (total, bad) = SloMetrics.Count(slo, store, now - (60 * minute), now);
        var status = SloMetrics.Compute(slo, store, now, TimeSpan.FromHours(7), TimeSpan.FromHours(1), TimeSpan.FromMinutes(5));

        Assert.Equal((100, 4), (total, bad));
        Assert.Equal(4.0, status.BurnRates["1h"]!.Value, 9); // 4% bad against a 1% budget
        Assert.Equal(-3.0, status.BudgetRemaining!.Value, 9);
        Assert.Equal(4.0, status.BurnRates["5m"]!.Value, 9); // the export at "now" falls in the last five minutes too
        Assert.Equal((0, 0), SloMetrics.Count(slo, store, now - (60 * minute), now - (30 * minute))); // no export in that half hour
        slo.Selector["http_route"] = "/other";
        Assert.Equal((0, 0), SloMetrics.Count(slo, store, now - (60 * minute), now));
    }

    [Fact]
    public void A_call_to_a_method_the_server_does_not_serve_is_the_callers_mistake()
    {
        var store = new MetricStore(100, TimeSpan.FromHours(1));
        var minute = 60_000_000_000L;
        var now = 100 * minute;
        StoredAttribute[] attributes =
        [
            StoredAttribute.String("rpc.method", "_OTHER"),
            StoredAttribute.String("rpc.response.status_code", "UNIMPLEMENTED"),
            StoredAttribute.String("error.type", "UNIMPLEMENTED"),
        ];
        foreach (var (time, total) in new[] { (now - (10 * minute), 0UL), (now, 7UL) })
        {
            store.Add("users", "rpc.server.call.duration", "", "s", InstrumentType.Histogram, false, true, attributes,
                new MetricPoint(0, time, 0, total, 0, [0.1, 0.5, 1], [total, 0, 0, 0]));
        }

        var route = Assert.Single(ServiceMetrics.Compute(store, now, TimeSpan.FromMinutes(15)));
        var slo = new SloOptions { Name = "users-availability", Service = "users", Objective = 99.9, Type = "grpc-availability" };

        Assert.Equal(("_OTHER", 7.0, 0.0), (route.Route, route.Requests, route.ErrorRatio));
        Assert.Equal((7, 0), SloMetrics.Count(slo, store, now - (15 * minute), now));
    }

    [Fact]
    public void Delta_histograms_are_summed_over_the_window()
    {
        var store = new MetricStore(100, TimeSpan.FromHours(1));
        var second = 1_000_000_000L;
        var now = 1000 * second;
        foreach (var t in new[] { now - (400 * second), now - (200 * second), now - (100 * second), now })
        {
            Add(store, "delta", start: t - (10 * second), time: t, count: 5, buckets: [5, 0, 0, 0], cumulative: false);
        }

        var route = Assert.Single(ServiceMetrics.Compute(store, now, TimeSpan.FromMinutes(5)));

        Assert.Equal(15, route.Requests);
    }

    [Fact]
    public void Grpc_calls_are_one_route_per_method_listed_once_and_only_server_fault_codes_are_errors()
    {
        var store = new MetricStore(100, TimeSpan.FromHours(1));
        var minute = 60_000_000_000L;
        var now = 100 * minute;
        foreach (var (code, count) in new[] { ("OK", 10UL), ("NOT_FOUND", 6UL), ("UNAVAILABLE", 4UL) })
        {
            StoredAttribute[] attributes =
            [
                StoredAttribute.String("rpc.system.name", "grpc"),
                StoredAttribute.String("rpc.method", "shop.users.v1.UsersService/GetUser"),
                StoredAttribute.String("rpc.response.status_code", code),
            ];
            foreach (var (time, total) in new[] { (now - (10 * minute), 0UL), (now, count) })
            {
                store.Add("users", "rpc.server.call.duration", "", "s", InstrumentType.Histogram, false, true, attributes,
                    new MetricPoint(0, time, 0, total, 0, [0.1, 0.5, 1], [total, 0, 0, 0]));
            }
        }

        // ASP.NET Core records the same calls as HTTP requests too: they are not listed a second time.
        StoredAttribute[] http =
        [
            StoredAttribute.String("http.request.method", "POST"),
            StoredAttribute.String("http.route", "/shop.users.v1.UsersService/GetUser"),
            StoredAttribute.Int("http.response.status_code", 200),
        ];
        foreach (var (time, total) in new[] { (now - (10 * minute), 0UL), (now, 20UL) })
        {
            store.Add("users", "http.server.request.duration", "", "s", InstrumentType.Histogram, false, true, http,
                new MetricPoint(0, time, 0, total, 0, [0.1, 0.5, 1], [total, 0, 0, 0]));
        }

        var route = Assert.Single(ServiceMetrics.Compute(store, now, TimeSpan.FromMinutes(15)));

        Assert.Equal(("rpc", "shop.users.v1.UsersService/GetUser"), (route.Kind, route.Route));
        Assert.Equal(20, route.Requests);
        // NOT_FOUND is the caller's problem; UNAVAILABLE is the server's.
        Assert.Equal(0.2, route.ErrorRatio, 9);
    }

    private static void Add(MetricStore store, string service, long start, long time, ulong count, ulong[] buckets, bool error = false, bool cumulative = true)
    {
        StoredAttribute[] attributes =
        [
            StoredAttribute.String("http.request.method", "GET"),
            StoredAttribute.String("http.route", "/x"),
            StoredAttribute.Int("http.response.status_code", error ? 500 : 200),
        ];
        store.Add(service, "http.server.request.duration", "", "s", InstrumentType.Histogram, false, cumulative, attributes,
            new MetricPoint(start, time, 0, count, 0, [0.1, 0.5, 1], buckets));
    }

    private static SpanRecord Span(ulong id, ulong parent, long start, long end) => new()
    {
        TraceId = new TraceId(1, 1),
        SpanId = id,
        ParentSpanId = parent,
        StartUnixNano = start,
        EndUnixNano = end,
        Name = $"span-{id}",
        Process = new SpanProcess("svc", []),
        Scope = SpanScope.None,
        Attributes = [],
    };
}
