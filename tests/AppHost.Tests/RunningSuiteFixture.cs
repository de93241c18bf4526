namespace Shop.AppHost.Tests;

/// <summary>One AppHost shared by the tests that leave it running.</summary>
public sealed class RunningSuiteFixture : IAsyncLifetime
{
    // The services' own deadlines (2 s per users call and payment attempt) suit production; a starved test machine
    // misses them without that being the behaviour under test. Set through the AppHost, they also show that the
    // AppHost's environment reaches its children.
    public static readonly IReadOnlyDictionary<string, string?> StarvedMachineDeadlines = new Dictionary<string, string?>
    {
        ["Gateway__UsersTimeout"] = "00:00:15",
        ["Orders__Payments__AttemptTimeout"] = "00:00:15",
    };

    public AppHostProcess AppHost { get; private set; } = null!;

    public async Task InitializeAsync() => AppHost = await AppHostProcess.StartReadyAsync(StarvedMachineDeadlines);

    public async Task DisposeAsync() => await AppHost.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RunningSuite : ICollectionFixture<RunningSuiteFixture>
{
    public const string Name = "running suite";
}
