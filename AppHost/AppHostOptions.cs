using System.CommandLine;

namespace Shop.AppHost;

/// <summary>The AppHost's command line (see README.md); every option has a documented default.</summary>
internal sealed record AppHostOptions
{
    public const int DefaultGatewayPort = 5080;
    public const int DefaultDashboardPort = 16686;
    public const int DefaultOtlpGrpcPort = 4317;
    public const int DefaultOtlpHttpPort = 4318;

    public int GatewayPort { get; init; } = DefaultGatewayPort;

    public int DashboardPort { get; init; } = DefaultDashboardPort;

    public int OtlpGrpcPort { get; init; } = DefaultOtlpGrpcPort;

    public int OtlpHttpPort { get; init; } = DefaultOtlpHttpPort;

    /// <summary>Holds data/postgres (the embedded cluster) and run/ (endpoints.json, generated configuration).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>An existing server's connection string (a role that may create databases); null runs the embedded one.</summary>
    public string? Postgres { get; init; }

    /// <summary>ASPNETCORE_ENVIRONMENT and DOTNET_ENVIRONMENT of the children.</summary>
    public string Environment { get; init; } = "Development";

    public bool Quiet { get; init; }

    public bool Prometheus { get; init; } = true;

    public bool IsDevelopment => string.Equals(Environment, "Development", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses <paramref name="args"/>; null with the exit code when the command line asked for help or was wrong
    /// (System.CommandLine has then printed the help or the errors).
    /// </summary>
    public static (AppHostOptions? Options, int ExitCode) Parse(string[] args, string repositoryRoot)
    {
        var gatewayPort = PortOption("--gateway-port", DefaultGatewayPort, "The gateway's public HTTP port.");
        var dashboardPort = PortOption("--dashboard-port", DefaultDashboardPort, "The dashboard's UI and query API port.");
        var otlpGrpcPort = PortOption("--otlp-grpc-port", DefaultOtlpGrpcPort, "The dashboard's OTLP/gRPC port.");
        var otlpHttpPort = PortOption("--otlp-http-port", DefaultOtlpHttpPort, "The dashboard's OTLP/HTTP port.");
        var stateDirectory = new Option<string>("--state-dir")
        {
            Description = "PostgreSQL data (DIR/data/postgres) and the run files (DIR/run/endpoints.json).",
            DefaultValueFactory = _ => Path.Combine(repositoryRoot, ".shop"),
        };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "Use an existing PostgreSQL server (a connection string of a role that may create databases) " +
                          "instead of the embedded one; ConnectionStrings__postgres works too.",
        };
        var environment = new Option<string>("--environment")
        {
            Description = "ASPNETCORE_ENVIRONMENT and DOTNET_ENVIRONMENT of the services and the dashboard.",
            DefaultValueFactory = _ => "Development",
        };
        var quiet = new Option<bool>("--quiet") { Description = "Do not show the children's output." };
        var noPrometheus = new Option<bool>("--no-prometheus") { Description = "Do not start Prometheus and Alertmanager even when installed." };

        var command = new RootCommand(
            "Starts the Shop suite: PostgreSQL, the dashboard, users, payments, orders, gateway, and Prometheus with Alertmanager when installed.")
        {
            gatewayPort, dashboardPort, otlpGrpcPort, otlpHttpPort, stateDirectory, postgres, environment, quiet, noPrometheus,
        };
        var result = command.Parse(args);
        if (result.Action is not null)
        {
            return (null, result.Invoke()); // --help, --version or parse errors
        }

        return (new AppHostOptions
        {
            GatewayPort = result.GetValue(gatewayPort),
            DashboardPort = result.GetValue(dashboardPort),
            OtlpGrpcPort = result.GetValue(otlpGrpcPort),
            OtlpHttpPort = result.GetValue(otlpHttpPort),
            StateDirectory = Path.GetFullPath(result.GetValue(stateDirectory)!),
            Postgres = NonEmpty(result.GetValue(postgres)) ?? NonEmpty(System.Environment.GetEnvironmentVariable("ConnectionStrings__postgres")),
            Environment = result.GetValue(environment)!,
            Quiet = result.GetValue(quiet),
            Prometheus = !result.GetValue(noPrometheus),
        }, 0);
    }

    private static Option<int> PortOption(string name, int defaultPort, string description)
    {
        var option = new Option<int>(name) { Description = $"{description} Default {defaultPort}.", DefaultValueFactory = _ => defaultPort };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 65535)
            {
                result.AddError($"{name} must be a TCP port between 1 and 65535.");
            }
        });
        return option;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
