namespace Shop.AppHost.Tests;

/// <summary>One AppHost shared by the tests that leave it running.</summary>
public sealed class RunningSuiteFixture : IAsyncLifetime
{
    public ShopAppHost AppHost { get; private set; } = null!;

    public async Task InitializeAsync() => AppHost = await ShopAppHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (AppHost is not null)
        {
            await AppHost.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RunningSuite : ICollectionFixture<RunningSuiteFixture>
{
    public const string Name = "running suite";
}
