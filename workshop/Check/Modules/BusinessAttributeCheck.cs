using System.Globalization;

namespace Shop.Workshop.Check.Modules;

/// <summary>
/// Module 3: <c>order.line_count</c> is a constant in src/Conventions, orders puts it on the checkout's span, and the
/// Shop dashboard's trace search finds a checkout by it. The check makes its own checkout with a line count no other
/// request uses, so a match is this checkout and nothing else.
/// </summary>
internal static class BusinessAttributeCheck
{
    public const string Attribute = "order.line_count";
    public const string Constant = "OrderLineCount";
    public const string ConventionsFile = "src/Conventions/TelemetryAttributes.cs";

    /// <summary>Lines of the check's own checkout (the load generator and the tour use 1 to 3).</summary>
    public const int Lines = 7;

    public static async Task RunAsync(SuiteClient suite, string repository, CheckReport report, CancellationToken cancellationToken)
    {
        var conventions = Path.Combine(repository, ConventionsFile);
        report.Expect(File.Exists(conventions) && DefinesConstant(File.ReadAllText(conventions)),
            $"{ConventionsFile} defines {Constant} = \"{Attribute}\"",
            $"{ConventionsFile} has no constant {Constant} = \"{Attribute}\" (step 1: attribute keys are constants in src/Conventions)");

        var traceId = await suite.CheckoutAsync(Lines, cancellationToken);
        var tags = new Dictionary<string, string> { [Attribute] = Lines.ToString(CultureInfo.InvariantCulture) };
        var found = await suite.EventuallyAsync(() => suite.SearchAsync("orders", tags, cancellationToken: cancellationToken),
            spans => spans.Any(s => IsTagged(s, traceId)), cancellationToken);
        var span = found.FirstOrDefault(s => IsTagged(s, traceId));
        report.Expect(span is not null,
            $"trace search (service orders, tags {{\"{Attribute}\":\"{Lines}\"}}) finds the check's checkout {traceId}, on the span {span?.Name}",
            $"trace search (service orders, tags {{\"{Attribute}\":\"{Lines}\"}}) does not find the check's {Lines}-line checkout {traceId} within {suite.TelemetryDeadline.TotalSeconds:0} s: orders' server span POST /orders must carry {Attribute} (step 2), and the suite must run your build (step 3: restart it)");
    }

    /// <summary>True when the source declares <c>const string OrderLineCount = "order.line_count"</c>.</summary>
    public static bool DefinesConstant(string source) =>
        System.Text.RegularExpressions.Regex.IsMatch(source, $@"const\s+string\s+{Constant}\s*=\s*""{System.Text.RegularExpressions.Regex.Escape(Attribute)}""");

    private static bool IsTagged(TraceSpan span, string traceId) =>
        span.Service == "orders" && span.Attribute(Attribute) == Lines.ToString(CultureInfo.InvariantCulture) && span.TraceMatches(traceId);
}
