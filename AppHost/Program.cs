using Shop.AppHost;

// Configuration is read once, at start: no file watchers. The AppHost would otherwise watch every directory under the one
// it runs from (often the repository, PostgreSQL's data included) and wake for every write there; see README.md.
ShopSettings.ReadConfigurationOnce();
var builder = DistributedApplication.CreateBuilder(args);
var shop = builder.AddShopSettings();

// Services start as `dotnet <their built dll>`, without `dotnet run`'s MSBuild evaluation; see BuildOutputExtensions.cs.
builder.RunProjectsFromBuildOutput();

// Services bind their ports themselves, without DCP's proxy in front: a loopback hop fewer per call; see DirectEndpoints.cs.
builder.ListenWithoutProxies();

// A container when an engine answers, else the local binaries, or the server of --postgres.
var postgres = builder.AddShopPostgres("postgres", shop);
var usersDb = postgres.AddShopDatabase("usersdb", "users");
var paymentsDb = postgres.AddShopDatabase("paymentsdb", "payments");
var ordersDb = postgres.AddShopDatabase("ordersdb", "orders");

// Shop's trace backend; it forwards what it receives to the Aspire dashboard.
var dashboard = builder.AddProject<Projects.Dashboard>("dashboard")
    .WithShopDashboardEndpoints(shop)
    .WithServiceLevelObjectives(shop)
    .WithForwardingToAspireDashboard();

// Each service waits for its database to be healthy, and only for its peers to have started: a call to a peer that
// is still starting is retried by the resilience handler, and the four start side by side (warm start, load/README.md).
var users = builder.AddProject<Projects.Users>("users")
    .WithPromptHttpHealthCheck("/health")
    .WithGrpcEndpoint()
    .WithReference(usersDb, "users").WaitFor(usersDb)
    .WithShopTelemetry(dashboard);

var payments = builder.AddProject<Projects.Payments>("payments")
    .WithPromptHttpHealthCheck("/health")
    .WithGrpcEndpoint()
    .WithReference(paymentsDb, "payments").WaitFor(paymentsDb)
    .WithEnvironment("Payments__AdminToken", shop.PaymentsAdminToken)
    .WithShopTelemetry(dashboard);

var orders = builder.AddProject<Projects.Orders>("orders")
    .WithPromptHttpHealthCheck("/health")
    .WithReference(ordersDb, "orders").WaitFor(ordersDb)
    .WithReference(payments).WaitForStart(payments)
    .WithShopTelemetry(dashboard);

var gateway = builder.AddProject<Projects.Gateway>("gateway")
    .WithPromptHttpHealthCheck("/health")
    .WithEndpoint("http", e => e.Port = shop.GatewayPort)
    .WithReference(users).WaitForStart(users)
    .WithReference(orders).WaitForStart(orders)
    .WithShopTelemetry(dashboard);

// Services made with `dotnet new shop-service` go here, one line each (templates/Shop.Templates/README.md).

// Prometheus and Alertmanager when installed (and not switched off with --prometheus false), scraping every service.
var monitoring = builder.AddShopMonitoring(shop, dashboard);

// endpoints.json lists every service (every project resource but the Shop dashboard).
builder.WriteEndpointsFile(shop, postgres, dashboard, gateway, monitoring);

builder.Build().Run();
