using System.Net;
using Shop.Testing;
using Shop.TemplateService.Storage;

namespace Shop.TemplateService.Tests;

public sealed class TemplateServiceDatabaseTests
{
    [Fact]
    public Task Hand_written_migrations_build_the_schema_of_the_model() =>
        DatabaseSchema.AssertMigrationsMatchModelAsync<TemplateServiceDbContext>(options => new(options));

    [Fact]
    public async Task Health_reports_the_database_while_liveness_does_not()
    {
        await using var database = await PostgresDatabase.CreateAsync("templateservice_health");
        await using var service = await ServiceProcess.StartAsync(TemplateServiceProcess.Dll,
            new Dictionary<string, string?> { ["ConnectionStrings__templateservice"] = database.ConnectionString });
        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync("/health")).StatusCode);

        await (await TestPostgres.Server).DropDatabaseAsync(database.Name);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await service.Http.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync("/alive")).StatusCode);
    }
}
