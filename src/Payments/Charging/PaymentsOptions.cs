namespace Shop.Payments.Charging;

/// <summary>Configuration section Payments.</summary>
public sealed class PaymentsOptions
{
    public const string Section = "Payments";

    /// <summary>Charges above this amount (minor units) are declined, "amount exceeds limit": the suite's deterministic decline rule.</summary>
    public long DeclineAboveMinor { get; set; } = 1_000_000;

    /// <summary>Bearer token of the admin API (/admin/faults); when empty the admin API refuses every request.</summary>
    public string? AdminToken { get; set; }
}
