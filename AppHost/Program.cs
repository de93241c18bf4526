using System.Security.Cryptography;
using Shop.AppHost;
using Shop.AppHost.Model;
using Shop.AppHost.Observability;
using Shop.AppHost.Run;

// What runs, in dependency order; every child is wired only through environment variables.
return await DistributedApplication.RunAsync(args, app =>
{
    var options = app.Options;
    var development = options.IsDevelopment;

    var postgres = app.AddPostgres("postgres");

    var dashboard = app.AddProject("dashboard", "src/Dashboard")
        .WithEndpoint("http", "Dashboard__QueryUrl", options.DashboardPort, "--dashboard-port")
        .WithEndpoint("otlp-grpc", "Dashboard__OtlpGrpcUrl", options.OtlpGrpcPort, "--otlp-grpc-port")
        .WithEndpoint("otlp-http", "Dashboard__OtlpHttpUrl", options.OtlpHttpPort, "--otlp-http-port");

    var users = app.AddProject("users", "src/Users")
        .WithHttpEndpoint().WithGrpcEndpoint()
        .WithDatabase(postgres)
        .WithTelemetry(dashboard, development);

    // A new admin token per run unless the user set one; it is in endpoints.json.
    var adminToken = Environment.GetEnvironmentVariable("Payments__AdminToken") is { Length: > 0 } token
        ? token
        : Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    var payments = app.AddProject("payments", "src/Payments")
        .WithHttpEndpoint().WithGrpcEndpoint()
        .WithDatabase(postgres)
        .WithTelemetry(dashboard, development)
        .WithDefault("Payments__AdminToken", adminToken);

    var orders = app.AddProject("orders", "src/Orders")
        .WithHttpEndpoint()
        .WithDatabase(postgres)
        .WithReference(payments, "grpc")
        .WithTelemetry(dashboard, development);

    var gateway = app.AddProject("gateway", "src/Gateway")
        .WithHttpEndpoint(options.GatewayPort, "--gateway-port")
        .WithReference(users, "grpc")
        .WithReference(orders, "http")
        .WithTelemetry(dashboard, development);

    app.Endpoints = new EndpointsFile(app.State.RunFile("endpoints.json"))
    {
        Gateway = gateway, Dashboard = dashboard, Postgres = postgres, Services = [gateway, users, orders, payments],
        Values = { ["paymentsAdminToken"] = adminToken },
    };

    if (options.Prometheus)
    {
        var alertmanager = app.AddAlertmanager("alertmanager", dashboard);
        var prometheus = app.AddPrometheus("prometheus", alertmanager, gateway, users, orders, payments);
        app.Endpoints.Tools.AddRange(new[] { prometheus, alertmanager }.OfType<Resource>());
    }
});
