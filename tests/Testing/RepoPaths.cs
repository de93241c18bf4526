namespace Shop.Testing;

/// <summary>Locations inside the repository, found from the test assembly's folder.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Shop.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Shop.sln not found above {AppContext.BaseDirectory}.");
    });

    /// <summary>The folder that holds Shop.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>A path below the repository root.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);
}
