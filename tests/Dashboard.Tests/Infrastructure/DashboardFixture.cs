namespace Shop.Dashboard.Tests.Infrastructure;

/// <summary>A dashboard with default settings, shared by the tests of one class.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public DashboardProcess Dashboard { get; private set; } = null!;

    public async Task InitializeAsync() => Dashboard = await DashboardProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (Dashboard is not null)
        {
            await Dashboard.DisposeAsync();
        }
    }
}
