using System.Diagnostics;
using Shop.Testing;

namespace Shop.Workshop.Tests;

/// <summary>
/// The two sides of the workshop test, prepared side by side: the untouched suite (this repository's build, checked
/// against a copy of its working tree) starts while a second copy gets every solution (the patches, and module 5's
/// service from the template) and is built once.
/// </summary>
public sealed class WorkshopFixture : IAsyncLifetime
{
    /// <summary>The code modules' solutions, applied together to one copy; module 5's script then adds its service and patch.</summary>
    public static readonly string[] Patches = ["03-business-attribute.patch", "04-custom-metric.patch"];

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TempDirectory _templateHive = new();
    private AppHostProcess? _untouchedSuite;

    internal RepositoryCopy UntouchedTree { get; private set; } = null!;

    internal RepositoryCopy SolvedTree { get; private set; } = null!;

    /// <summary>Done when the solved copy's AppHost is built, with every service.</summary>
    internal Task SolvedBuild { get; private set; } = Task.CompletedTask;

    internal AppHostProcess UntouchedSuite => _untouchedSuite ?? throw new InvalidOperationException("The untouched suite was stopped.");

    public TimeSpan Elapsed => _clock.Elapsed;

    public async Task InitializeAsync()
    {
        UntouchedTree = await RepositoryCopy.CreateAsync();
        SolvedTree = await RepositoryCopy.CreateAsync();
        foreach (var patch in Patches)
        {
            await SolvedTree.ApplyAsync(RepoPaths.Of("workshop", "solutions", patch));
        }

        // No solution touches the load generator: the copy runs this repository's build of it, and builds only the AppHost.
        SolvedTree.CopyBuildOutput("load/LoadGenerator");
        SolvedBuild = BuildSolvedAsync();
        try
        {
            _untouchedSuite = await AppHostProcess.StartAsync(RepoPaths.Root);
        }
        catch
        {
            await SolvedBuild.ContinueWith(_ => { }, TaskScheduler.Default); // no build left running behind a failed start
            throw;
        }
    }

    /// <summary>
    /// Module 5's steps (the template, into a template cache of this test's own, then its patch), then one build of the
    /// AppHost with every service, Inventory included. Without ReadyToRun: the services run from the build output, as in
    /// Debug; the solutions change no startup path.
    /// </summary>
    private async Task BuildSolvedAsync()
    {
        await SolvedTree.RunStepsAsync("05-new-service.sh", ("SHOP_TEMPLATE_HIVE", _templateHive.FullPath));
        await SolvedTree.BuildAsync("AppHost/AppHost.csproj", "-p:ShopReadyToRun=false");
    }

    /// <summary>Stops the untouched suite once its checks ran, so that the solved suite has the machine to itself.</summary>
    internal async Task StopUntouchedAsync()
    {
        if (_untouchedSuite is { } suite)
        {
            _untouchedSuite = null;
            await suite.DisposeAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await StopUntouchedAsync();
        await SolvedBuild.ContinueWith(_ => { }, TaskScheduler.Default);
        UntouchedTree.Dispose();
        SolvedTree.Dispose();
        _templateHive.Dispose();
    }
}
