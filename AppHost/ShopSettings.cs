using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Shop.Hosting;

namespace Shop.AppHost;

/// <summary>
/// The AppHost's options, all configuration keys (command line, environment, appsettings): the ports a user types
/// into a browser, where state lives, an existing PostgreSQL, Prometheus on or off. See README.md.
/// </summary>
internal sealed class ShopSettings
{
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--gateway-port"] = "Shop:GatewayPort",
        ["--dashboard-port"] = "Shop:DashboardPort",
        ["--otlp-grpc-port"] = "Shop:OtlpGrpcPort",
        ["--otlp-http-port"] = "Shop:OtlpHttpPort",
        ["--state-dir"] = "Shop:StateDirectory",
        ["--postgres"] = "ConnectionStrings:postgres",
        ["--environment"] = "Shop:Environment",
        ["--prometheus"] = "Shop:Prometheus",
    };

    public int GatewayPort { get; private init; }

    public int DashboardPort { get; private init; }

    public int OtlpGrpcPort { get; private init; }

    public int OtlpHttpPort { get; private init; }

    /// <summary>Holds data/ (PostgreSQL, Prometheus, kept across runs) and run/ (endpoints.json, generated configuration).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>ASPNETCORE_ENVIRONMENT and DOTNET_ENVIRONMENT of the services.</summary>
    public required string Environment { get; init; }

    public bool Prometheus { get; private init; }

    /// <summary>New per run unless Payments__AdminToken is set; written to endpoints.json.</summary>
    public required string PaymentsAdminToken { get; init; }

    /// <summary>The Aspire dashboard's telemetry API key, new per run; written to endpoints.json.</summary>
    public required string AspireApiKey { get; init; }

    public string RunDirectory => Path.Combine(StateDirectory, "run");

    public string DataDirectory(string name) => Path.Combine(StateDirectory, "data", name);

    public string RepositoryRoot { get; private init; } = "";

    public static ShopSettings Read(IConfigurationManager configuration, string[] args)
    {
        configuration.AddCommandLine(args.Where(a => Switches.ContainsKey(a.Split('=')[0]) || !a.StartsWith('-')).ToArray(), Switches);
        var root = Hosting.RepositoryRoot.FindAbove(AppContext.BaseDirectory, Directory.GetCurrentDirectory())
                   ?? throw new HostingException($"Shop.sln was not found above {AppContext.BaseDirectory}: run the AppHost inside the repository.");
        var settings = new ShopSettings
        {
            RepositoryRoot = root,
            GatewayPort = configuration.GetValue("Shop:GatewayPort", 5080),
            DashboardPort = configuration.GetValue("Shop:DashboardPort", 16686),
            OtlpGrpcPort = configuration.GetValue("Shop:OtlpGrpcPort", 4317),
            OtlpHttpPort = configuration.GetValue("Shop:OtlpHttpPort", 4318),
            StateDirectory = Path.GetFullPath(configuration["Shop:StateDirectory"] is { Length: > 0 } state ? state : Path.Combine(root, ".shop")),
            Environment = configuration["Shop:Environment"] is { Length: > 0 } environment ? environment : "Development",
            Prometheus = configuration.GetValue("Shop:Prometheus", true),
            PaymentsAdminToken = configuration["Payments:AdminToken"] is { Length: > 0 } token ? token : NewKey(),
            AspireApiKey = NewKey(),
        };
        Directory.CreateDirectory(settings.RunDirectory);
        return settings;
    }

    /// <summary>
    /// Turns off configuration reloading in this process and, as they inherit it, in every process it starts, unless the
    /// variable is set already. A .NET host that reloads on change watches every directory under its content root: for
    /// the AppHost (and the resource service Aspire runs inside it) the directory it was started from, often the
    /// repository with PostgreSQL's data, where every write woke it. Nothing here changes configuration files at run time.
    /// </summary>
    public static void ReadConfigurationOnce()
    {
        const string ReloadOnChange = "DOTNET_hostBuilder__reloadConfigOnChange";
        if (System.Environment.GetEnvironmentVariable(ReloadOnChange) is null)
        {
            System.Environment.SetEnvironmentVariable(ReloadOnChange, "false");
        }
    }

    private static string NewKey() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}
