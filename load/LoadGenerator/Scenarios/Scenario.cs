namespace Shop.LoadGenerator.Scenarios;

/// <summary>What one request of the mix does at the gateway.</summary>
internal enum Scenario
{
    RegisterUser,
    ReadUser,
    Checkout,
    ReadOrder,
}

internal static class ScenarioNames
{
    public static readonly Scenario[] All = Enum.GetValues<Scenario>();

    /// <summary>The name used in reports, options and the trace log (kebab case).</summary>
    public static string Name(this Scenario scenario) => scenario switch
    {
        Scenario.RegisterUser => "register-user",
        Scenario.ReadUser => "read-user",
        Scenario.Checkout => "checkout",
        Scenario.ReadOrder => "read-order",
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    public static Scenario Parse(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name(), name, StringComparison.OrdinalIgnoreCase)) is var found && string.Equals(found.Name(), name, StringComparison.OrdinalIgnoreCase)
            ? found
            : throw new FormatException($"Unknown scenario '{name}'; expected one of {string.Join(", ", All.Select(s => s.Name()))}.");
}
