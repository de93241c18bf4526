using System.Text.Json;

namespace Shop.Workshop.Check.Modules;

/// <summary>
/// Module 5: a fifth service made with <c>dotnet new shop-service</c> runs under the AppHost (it sends telemetry to
/// both dashboards), and a trace shows orders calling it over gRPC: a gRPC client span of orders whose child is a
/// server span of the new service.
/// </summary>
internal static class NewServiceCheck
{
    /// <summary>The suite's own services; anything else that sends spans is the learner's.</summary>
    public static readonly string[] SuiteServices = ["gateway", "users", "orders", "payments", "dashboard"];

    public static async Task RunAsync(SuiteClient suite, string? named, CheckReport report, CancellationToken cancellationToken)
    {
        using var services = await suite.GetJsonAsync(new Uri(suite.Endpoints.Dashboard, "/api/services"), cancellationToken: cancellationToken);
        var sending = services?.RootElement.GetProperty("data").EnumerateArray().Select(s => s.GetString() ?? "").ToList() ?? [];
        var candidates = named is not null ? [named] : sending.Except(SuiteServices, StringComparer.Ordinal).ToList();
        var service = candidates.FirstOrDefault(sending.Contains);
        if (service is null)
        {
            report.Miss(named is not null
                ? $"the Shop dashboard has no span of {named}: add it to AppHost/Program.cs (one line, see its README) and restart the suite"
                : $"no service besides {string.Join(", ", SuiteServices[..4])} sends spans to the Shop dashboard: create one with dotnet new shop-service (step 1) and add it to AppHost/Program.cs (step 2)");
            return;
        }

        report.Pass($"{service} sends spans to the Shop dashboard");
        if (suite.Endpoints.AspireDashboard is { } aspire)
        {
            using var resources = await suite.GetJsonAsync(new Uri(aspire, "/api/telemetry/resources"), apiKey: suite.Endpoints.AspireApiKey, cancellationToken: cancellationToken);
            var names = resources is null ? "" : resources.RootElement.GetRawText();
            report.Expect(names.Contains($"\"{service}\"", StringComparison.Ordinal),
                $"the Aspire dashboard lists {service} as a resource",
                $"the Aspire dashboard has no resource {service}: the AppHost must start it (AddProject in AppHost/Program.cs)");
        }

        var traces = await suite.EventuallyAsync(() => suite.SearchAsync(service, new Dictionary<string, string>(), limit: 100, cancellationToken: cancellationToken),
            spans => FindCall(spans, service) is not null, cancellationToken);
        var call = FindCall(traces, service);
        report.Expect(call is not null,
            $"trace {call?.Client.TraceId}: orders' gRPC client span {call?.Client.Name} has the child server span {call?.Server.Name} in {service}",
            $"no trace where orders calls {service} over gRPC (a gRPC client span of orders whose child is a server span of {service}) in the last hour: call it from the checkout (step 3), restart the suite and check out once");
    }

    /// <summary>The first gRPC call from orders to <paramref name="service"/> in <paramref name="spans"/>: the client span and its child server span.</summary>
    public static (TraceSpan Client, TraceSpan Server)? FindCall(IReadOnlyList<TraceSpan> spans, string service)
    {
        var clients = spans.Where(s => s.Service == "orders" && s.Kind == "client" && s.IsGrpc).ToDictionary(s => (s.TraceId, s.SpanId));
        foreach (var server in spans.Where(s => s.Service == service && s.Kind == "server" && s.ParentSpanId is not null))
        {
            if (clients.TryGetValue((server.TraceId, server.ParentSpanId!), out var client))
            {
                return (client, server);
            }
        }

        return null;
    }
}
