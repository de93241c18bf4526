using System.Diagnostics;
using Shop.Testing;
using Xunit.Abstractions;

namespace Shop.Workshop.Tests;

/// <summary>
/// ./workshop/check against real suites: on the untouched suite every check fails and names what is missing; with the
/// solutions (applied to one copy, built once, started once; step scripts run) every check passes.
/// </summary>
public sealed class WorkshopChecksTests(WorkshopFixture fixture, ITestOutputHelper output) : IClassFixture<WorkshopFixture>
{
    // The untouched suite lacks what the modules add: a short wait shows that as well as a long one.
    private static readonly string[] ShortWait = ["--wait", "10"];

    [Fact]
    public async Task On_the_untouched_suite_every_check_fails_and_names_what_is_missing()
    {
        var clock = Stopwatch.StartNew();
        var endpoints = fixture.UntouchedSuite.EndpointsPath;
        var tree = fixture.UntouchedTree.Root;
        var expected = new (int Module, string[] Arguments, string[] Missing)[]
        {
            (1, [], ["no trace id given"]),
            (1, ["0af7651916cd43dd8448eb211c80319c", .. ShortWait], ["the Shop dashboard has no trace with this id", "the Aspire dashboard has no trace with this id"]),
            (2, [], ["the payments fault is not set", "Alertmanager has no firing ErrorBudgetBurn alert with service=\"payments\"", "the Shop dashboard has no root-cause report naming payments", "no failing trace given"]),
            (3, ShortWait, ["src/Conventions/TelemetryAttributes.cs has no constant OrderLineCount", "does not find the check's 7-line checkout"]),
            (4, ShortWait, ["observability/rules/outbox.yml does not exist", "observability/tests/outbox.test.yml does not exist",
                "orders' /metrics has no shop_outbox_delay_seconds_bucket", "Prometheus has no recording rule slo:sli_error:ratio_rate5m labelled slo=\"outbox-delay\"",
                "Prometheus has no alerting rule labelled slo=\"outbox-delay\"", "Prometheus has no value of slo:sli_error:ratio_rate5m{slo=\"outbox-delay\"}"]),
            (5, ShortWait, ["no service besides gateway, users, orders, payments sends spans to the Shop dashboard"]),
            (6, [], ["no load-generator trace log"]),
        };

        try
        {
            var results = await Task.WhenAll(expected.Select(e => WorkshopCheck.RunAsync(e.Module, endpoints, tree, e.Arguments)));
            foreach (var ((module, _, missing), result) in expected.Zip(results))
            {
                output.WriteLine($"./workshop/check {module}:\n{result.StandardOutput}");
                Assert.True(result.ExitCode == 1, $"check {module} should fail on the untouched suite: {result}");
                var lines = result.StandardOutput.Split('\n', StringSplitOptions.TrimEntries);
                foreach (var text in missing)
                {
                    Assert.True(lines.Any(l => l.StartsWith("missing:", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal)),
                        $"check {module} does not say '{text}':\n{result.StandardOutput}");
                }

                Assert.Equal(missing.Length, lines.Count(l => l.StartsWith("missing:", StringComparison.Ordinal)));
                Assert.Contains($"Module {module}: {missing.Length} thing", result.StandardOutput, StringComparison.Ordinal);
            }
        }
        finally
        {
            await fixture.StopUntouchedAsync();
            output.WriteLine($"untouched side: checks {clock.Elapsed.TotalSeconds:0} s, {fixture.Elapsed.TotalSeconds:0} s since the fixture started");
        }
    }

    [Fact]
    public async Task With_the_reference_solutions_every_check_passes()
    {
        await fixture.SolvedBuild;
        output.WriteLine($"solved copy built {fixture.Elapsed.TotalSeconds:0} s after the fixture started");
        await fixture.StopUntouchedAsync(); // one suite at a time on a 2-core machine
        var tree = fixture.SolvedTree.Root;
        await using var suite = await AppHostProcess.StartAsync(tree);
        var endpoints = suite.EndpointsPath;
        var clock = Stopwatch.StartNew();

        // Module 1: the steps make a checkout and find it in both dashboards; the check confirms it with its trace id.
        var checkout = await WorkshopCheck.StepsAsync(tree, "01-follow-a-checkout.sh", endpoints, TimeSpan.FromMinutes(3));
        await Passes(1, WorkshopCheck.RunAsync(1, endpoints, tree, checkout));

        // Modules 3, 4 and 5: their solutions are in the copy's build; module 1's checkout went through inventory.
        await Task.WhenAll(Passes(3, WorkshopCheck.RunAsync(3, endpoints, tree)), Passes(4, WorkshopCheck.RunAsync(4, endpoints, tree)),
            Passes(5, WorkshopCheck.RunAsync(5, endpoints, tree)));

        // Module 6 before module 2: its load test reads a healthy suite.
        await WorkshopCheck.StepsAsync(tree, "06-read-a-load-test.sh", endpoints, TimeSpan.FromMinutes(5));
        await Passes(6, WorkshopCheck.RunAsync(6, endpoints, tree));

        // Module 2 last: it leaves payments failing.
        var failing = await WorkshopCheck.StepsAsync(tree, "02-break-payments.sh", endpoints, TimeSpan.FromMinutes(12));
        await Passes(2, WorkshopCheck.RunAsync(2, endpoints, tree, failing));
        output.WriteLine($"solved side: steps and checks {clock.Elapsed.TotalSeconds:0} s, {fixture.Elapsed.TotalSeconds:0} s since the fixture started");
    }

    private async Task Passes(int module, Task<ToolResult> check)
    {
        var result = await check;
        output.WriteLine($"./workshop/check {module}:\n{result.StandardOutput}");
        Assert.True(result.ExitCode == 0, $"check {module} should pass with its solution: {result}");
        Assert.Contains($"Module {module}: passed.", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("missing:", result.StandardOutput, StringComparison.Ordinal);
    }
}
