namespace Shop.Hosting;

/// <summary>Finds the repository (the folder with Shop.sln) from where a program runs.</summary>
public static class RepositoryRoot
{
    public const string SolutionFile = "Shop.sln";

    /// <summary>The nearest folder with Shop.sln at or above the first start folder that has one; null when none has.</summary>
    public static string? FindAbove(params string[] starts)
    {
        foreach (var start in starts)
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
                {
                    return directory.FullName;
                }
            }
        }

        return null;
    }
}
