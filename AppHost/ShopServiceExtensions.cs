namespace Shop.AppHost;

/// <summary>
/// A service made with <c>dotnet new shop-service</c> (templates/Shop.Templates) in one line of Program.cs, wired as users,
/// payments and orders are; endpoints.json and Prometheus take every project resource, so it needs no other line.
/// </summary>
internal static class ShopServiceExtensions
{
    /// <summary>
    /// Adds project <typeparamref name="TProject"/> as service <paramref name="name"/>: prompt /health check, telemetry to
    /// the Shop dashboard, with <paramref name="grpc"/> a cleartext HTTP/2 endpoint "grpc", and with <paramref name="postgres"/>
    /// a database "<paramref name="name"/>db" it waits for (connection string <paramref name="name"/>, its migrations create it).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddShopService<TProject>(
        this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ProjectResource> dashboard,
        IResourceBuilder<IResourceWithConnectionString>? postgres = null, bool grpc = false)
        where TProject : IProjectMetadata, new()
    {
        var service = builder.AddProject<TProject>(name).WithPromptHttpHealthCheck("/health");
        if (grpc)
        {
            service.WithGrpcEndpoint();
        }

        if (postgres is not null)
        {
            var database = postgres.AddShopDatabase($"{name}db", name);
            service.WithReference(database, name).WaitFor(database);
        }

        return service.WithShopTelemetry(dashboard);
    }
}
