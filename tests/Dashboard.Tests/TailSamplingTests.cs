using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Shop.Dashboard.Sampling;
using Shop.Dashboard.Store;
using Shop.Dashboard.Tests.Infrastructure;
using OtlpSpan = Shop.Otlp.Trace.V1.Span;

namespace Shop.Dashboard.Tests;

/// <summary>
/// Tail sampling keeps every error and slow trace and about the configured ratio of the rest. Trace
/// ids come from seeded random generators, so the counts are the same on every run: no flakes.
/// </summary>
public sealed class TailSamplingTests
{
    [Fact]
    public void The_ratio_decision_keeps_about_the_ratio_and_is_the_same_every_time_for_a_trace()
    {
        var random = new Random(42);
        var ids = Enumerable.Range(0, 100_000).Select(_ => new TraceId((ulong)random.NextInt64(), (ulong)random.NextInt64())).ToList();

        var kept = ids.Count(id => TailSampler.RatioKeeps(id, 0.1));

        Assert.InRange(kept / 100_000.0, 0.097, 0.103);
        Assert.All(ids.Take(1000), id => Assert.Equal(TailSampler.RatioKeeps(id, 0.1), TailSampler.RatioKeeps(id, 0.1)));
        Assert.Equal(0, ids.Count(id => TailSampler.RatioKeeps(id, 0)));
        Assert.Equal(ids.Count, ids.Count(id => TailSampler.RatioKeeps(id, 1)));
    }

    [Fact]
    public void Errors_and_slow_traces_are_kept_whatever_their_trace_id()
    {
        var options = new TailSamplingOptions { KeepRatio = 0, SlowThreshold = TimeSpan.FromMilliseconds(500) };
        var id = new TraceId(7, 7);

        Assert.Equal(SamplingVerdict.KeepError, TailSampler.Decide(hasError: true, 1_000, id, options));
        Assert.Equal(SamplingVerdict.KeepSlow, TailSampler.Decide(hasError: false, 500_000_000, id, options));
        Assert.Equal(SamplingVerdict.Drop, TailSampler.Decide(hasError: false, 499_999_999, id, options));
    }

    [Fact]
    public void The_budget_keeps_every_trace_up_to_its_rate_and_none_beyond_it()
    {
        const long second = 1_000_000;
        var budget = new KeepBudget(perSecond: 10, burst: TimeSpan.FromSeconds(5), timestampFrequency: second, start: 0);

        // A burst of the window's worth (5 s at 10 a second) at once, then nothing more until time passes.
        Assert.Equal(50, Enumerable.Range(0, 75).Count(_ => budget.TryTake(0)));

        // 4 a second for 5 s, under the budget: every one kept.
        Assert.All(Enumerable.Range(1, 20), i => Assert.True(budget.TryTake(i * second / 4)));

        // 100 a second for 10 s: about 10 a second kept (plus what was saved while under the budget, at most 50).
        var kept = Enumerable.Range(1, 1000).Count(i => budget.TryTake((5 * second) + (i * second / 100)));
        Assert.InRange(kept, 100, 152);

        var off = new KeepBudget(perSecond: 0, burst: TimeSpan.FromSeconds(5), timestampFrequency: second, start: 0);
        Assert.False(off.TryTake(10 * second));
    }

    [Fact]
    public void Traces_that_come_due_in_clumps_are_kept_at_the_budgets_rate()
    {
        // 10 a second sent, arriving as the services export them: a clump of 50 every 5 s. All kept; a bucket of one
        // second's worth kept 10 of each clump (2 a second).
        const long second = 1_000_000;
        var budget = new KeepBudget(perSecond: 10, burst: TimeSpan.FromSeconds(5), timestampFrequency: second, start: 0);
        var kept = Enumerable.Range(0, 6).Sum(clump => Enumerable.Range(0, 50).Count(_ => budget.TryTake(clump * 5 * second)));
        Assert.Equal(300, kept);

        // The same clumps at 30 a second (150 every 5 s): 50 of each, the budget's rate.
        var busy = new KeepBudget(perSecond: 10, burst: TimeSpan.FromSeconds(5), timestampFrequency: second, start: 0);
        Assert.Equal(300, Enumerable.Range(0, 6).Sum(clump => Enumerable.Range(0, 150).Count(_ => busy.TryTake(clump * 5 * second))));
    }

    [Fact]
    public async Task The_dashboard_keeps_all_error_and_slow_traces_and_about_the_ratio_of_the_rest()
    {
        await using var dashboard = await DashboardProcess.StartAsync(new Dictionary<string, string>
        {
            ["TailSampling:Enabled"] = "true",
            ["TailSampling:DecisionWait"] = "00:00:00.300",
            ["TailSampling:SlowThreshold"] = "00:00:00.500",
            ["TailSampling:KeepRatio"] = "0.25",
        });
        var random = new Random(2024);
        var normal = Enumerable.Range(0, 400).Select(_ => OtlpRequests.TraceId(random)).ToList();
        var errors = Enumerable.Range(0, 40).Select(_ => OtlpRequests.TraceId(random)).ToList();
        var slow = Enumerable.Range(0, 40).Select(_ => OtlpRequests.TraceId(random)).ToList();

        // Each trace: a root and a child; the error is on the child, so the whole trace must be kept for it.
        var spans = normal.SelectMany(id => Trace(random, id, TimeSpan.FromMilliseconds(20), childError: false))
            .Concat(errors.SelectMany(id => Trace(random, id, TimeSpan.FromMilliseconds(20), childError: true)))
            .Concat(slow.SelectMany(id => Trace(random, id, TimeSpan.FromMilliseconds(650), childError: false)))
            .ToList();
        foreach (var chunk in spans.Chunk(100))
        {
            using var response = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("sampled", chunk));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var sampling = await WaitForDecisions(dashboard, 480);
        var keptNormal = await Stored(dashboard, normal);
        var keptErrors = await Stored(dashboard, errors);
        var keptSlow = await Stored(dashboard, slow);

        Assert.Equal(errors.Count, keptErrors.Count);
        Assert.Equal(slow.Count, keptSlow.Count);
        Assert.InRange(keptNormal.Count, 80, 120);
        Assert.Equal(keptNormal.Count, sampling.GetProperty("tracesKeptRatio").GetInt64());
        Assert.Equal(errors.Count, sampling.GetProperty("tracesKeptError").GetInt64());
        Assert.Equal(slow.Count, sampling.GetProperty("tracesKeptSlow").GetInt64());
        Assert.Equal(normal.Count - keptNormal.Count, sampling.GetProperty("tracesDropped").GetInt64());
        Assert.All(keptErrors.Concat(keptSlow), trace => Assert.Equal(2, trace.GetProperty("spans").GetArrayLength()));

        // A span arriving after its trace was decided follows the decision.
        var keptId = errors[0];
        var droppedId = normal.First(id => !keptNormal.Any(t => t.GetProperty("traceID").GetString() == OtlpRequests.Hex(id)));
        using var late = await dashboard.PostProtobufAsync("/v1/traces", OtlpRequests.Request("sampled",
            OtlpRequests.Span(keptId, OtlpRequests.SpanId(random), "late", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1), parent: OtlpRequests.SpanId(random)),
            OtlpRequests.Span(droppedId, OtlpRequests.SpanId(random), "late", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1), parent: OtlpRequests.SpanId(random))));
        await dashboard.WaitForTraceAsync(OtlpRequests.Hex(keptId), spans: 3);
        var after = (await dashboard.StatusAsync()).GetProperty("sampling");
        Assert.Equal(1, after.GetProperty("lateSpansKept").GetInt64());
        Assert.Equal(1, after.GetProperty("lateSpansDropped").GetInt64());
        Assert.Empty(await Stored(dashboard, [droppedId]));
    }

    private static IEnumerable<OtlpSpan> Trace(Random random, ByteString traceId, TimeSpan duration, bool childError)
    {
        var start = DateTimeOffset.UtcNow - duration;
        var root = OtlpRequests.Span(traceId, OtlpRequests.SpanId(random), "GET /orders/{id}", start, duration);
        var child = OtlpRequests.Span(traceId, OtlpRequests.SpanId(random), "SELECT orders", start.AddMilliseconds(2), TimeSpan.FromMilliseconds(5),
            parent: root.SpanId, error: childError, kind: OtlpSpan.Types.SpanKind.Client);

        // The child ends first and is exported first, as in a real service.
        return [child, root];
    }

    private static Task<JsonElement> WaitForDecisions(DashboardProcess dashboard, int traces) => dashboard.WaitForAsync(async () =>
    {
        var sampling = (await dashboard.StatusAsync()).GetProperty("sampling");
        var decided = sampling.GetProperty("tracesKeptError").GetInt64() + sampling.GetProperty("tracesKeptSlow").GetInt64()
            + sampling.GetProperty("tracesKeptRatio").GetInt64() + sampling.GetProperty("tracesDropped").GetInt64();
        return (decided == traces && sampling.GetProperty("pendingTraces").GetInt32() == 0, sampling);
    }, $"{traces} sampling decisions");

    private static async Task<List<JsonElement>> Stored(DashboardProcess dashboard, List<ByteString> traceIds)
    {
        var found = new List<JsonElement>();
        foreach (var chunk in traceIds.Chunk(50))
        {
            var query = string.Join('&', chunk.Select(id => $"traceID={OtlpRequests.Hex(id)}"));
            found.AddRange((await dashboard.GetJsonAsync($"/api/traces?{query}")).GetProperty("data").EnumerateArray());
        }

        return found;
    }
}
