namespace Shop.Conventions;

/// <summary>ActivitySource and Meter names: the platform's, and the suite's own.</summary>
public static class TelemetrySources
{
    /// <summary>Every source and meter of the suite starts with this prefix.</summary>
    public const string SuitePrefix = "Shop.";

    /// <summary>Wildcard that subscribes to every source and meter of the suite.</summary>
    public const string SuiteWildcard = "Shop.*";

    /// <summary>ServiceDefaults/Grpc: the RPC call-duration histograms (rpc.server.call.duration, rpc.client.call.duration).</summary>
    public const string Grpc = "Shop.Grpc";

    /// <summary>src/Data: the startup span that groups a service's migration statements.</summary>
    public const string Data = "Shop.Data";

    // Platform activity sources (the instrumentation packages subscribe to them; tests tell spans apart by them)
    public const string AspNetCore = "Microsoft.AspNetCore";
    public const string HttpClient = "System.Net.Http";
    public const string Npgsql = "Npgsql";

    // Platform meter no instrumentation package adds (ASP.NET Core, HttpClient and Npgsql meters come with theirs)
    public const string EntityFrameworkCoreMeter = "Microsoft.EntityFrameworkCore";

    /// <summary>The source and meter name a service uses for its own telemetry, e.g. <c>Shop.Orders</c> for <c>orders</c>.</summary>
    public static string ForService(string serviceName) =>
        SuitePrefix + char.ToUpperInvariant(serviceName[0]) + serviceName[1..];
}
