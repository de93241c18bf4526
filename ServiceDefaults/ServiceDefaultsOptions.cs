namespace Microsoft.Extensions.Hosting;

/// <summary>Per-service choices on top of the shared defaults.</summary>
public sealed class ServiceDefaultsOptions
{
    /// <summary>
    /// Keep W3C baggage that arrives with incoming requests. Internal services keep it (it carries
    /// tenant.id across the suite); the public gateway drops it so that no outside client can put
    /// attributes into the suite's telemetry.
    /// </summary>
    public bool AcceptIncomingBaggage { get; set; } = true;
}
