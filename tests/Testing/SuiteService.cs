using System.Globalization;

namespace Shop.Testing;

/// <summary>Starts one of the suite's services (src/Users, src/Payments, src/Orders) as a process, the way the AppHost does.</summary>
public static class SuiteService
{
    /// <summary>
    /// Starts the service <paramref name="name"/> (e.g. "payments") on <paramref name="database"/> (ConnectionStrings__{name}),
    /// exporting to <paramref name="telemetry"/> when given, with a gRPC endpoint on <paramref name="grpcPort"/> when given.
    /// </summary>
    public static Task<ServiceProcess> StartAsync(
        string name,
        PostgresDatabase database,
        OtlpReceiver? telemetry = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        int? grpcPort = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        var project = char.ToUpper(name[0], CultureInfo.InvariantCulture) + name[1..];
        var variables = telemetry?.ExportEnvironment() ?? [];
        variables[$"ConnectionStrings__{name}"] = database.ConnectionString;
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        return ServiceProcess.StartAsync(BuiltApp.Dll($"src/{project}", $"Shop.{project}"), variables, grpcPort: grpcPort);
    }
}
