namespace Shop.LoadGenerator.Suite;

/// <summary>The repository root (the folder with Shop.sln), found from the working directory or the program's folder.</summary>
internal static class RepoRoot
{
    public static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Shop.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Shop.sln not found above the working directory or the program; run from the repository.");
    }

    public static string Of(params string[] parts) => Path.Combine([Find(), .. parts]);
}
