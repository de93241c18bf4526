using System.Diagnostics.Metrics;
using Shop.Conventions;

namespace Shop.Users;

/// <summary>The users service's own metrics. Its spans are the gRPC server spans and Npgsql's; it adds none of its own.</summary>
internal static class UsersTelemetry
{
    public const string ServiceName = "users";

    private static readonly Meter Meter = new(TelemetrySources.ForService(ServiceName));

    public static readonly Counter<long> UsersCreated =
        Meter.CreateCounter<long>(TelemetryMetrics.UsersCreated, unit: "{user}", description: "Users created.");
}
