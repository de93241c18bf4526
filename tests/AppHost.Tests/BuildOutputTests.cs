namespace Shop.AppHost.Tests;

/// <summary>Which dll the AppHost runs for a project resource: the ReadyToRun copy only while it is not older than the build.</summary>
public sealed class BuildOutputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shop-build-output-").FullName;

    [Fact]
    public void ReadyToRun_copy_at_least_as_new_as_the_build_output_is_run()
    {
        var built = Dll("net10.0", DateTime.UtcNow.AddMinutes(-2));
        var readyToRun = Dll("ready-to-run", DateTime.UtcNow.AddMinutes(-1));

        Assert.Equal(readyToRun, BuildOutputExtensions.LaunchedDll(built, readyToRun));
    }

    [Fact]
    public void Build_output_newer_than_the_ReadyToRun_copy_is_run_instead_of_old_code()
    {
        var readyToRun = Dll("ready-to-run", DateTime.UtcNow.AddMinutes(-2));
        var built = Dll("net10.0", DateTime.UtcNow.AddMinutes(-1));

        Assert.Equal(built, BuildOutputExtensions.LaunchedDll(built, readyToRun));
    }

    [Fact]
    public void Build_output_is_run_when_no_ReadyToRun_copy_was_published()
    {
        var built = Dll("net10.0", DateTime.UtcNow);

        Assert.Equal(built, BuildOutputExtensions.LaunchedDll(built, null));
        Assert.Equal(built, BuildOutputExtensions.LaunchedDll(built, Path.Combine(_directory, "ready-to-run", "missing.dll")));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Dll(string folder, DateTime written)
    {
        var path = Path.Combine(_directory, folder, "Shop.Service.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0]);
        File.SetLastWriteTimeUtc(path, written);
        return path;
    }
}
