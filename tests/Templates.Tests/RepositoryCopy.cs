namespace Shop.Templates.Tests;

/// <summary>
/// The repository copied to a folder without what runs leave behind (.git, .shop, TestResults, node_modules,
/// load/reports), with the build output (bin, obj) of the projects the suite and a generated test project need: the
/// services, the AppHost and their libraries, and tests/Testing. ReadyToRun copies and other test projects' output
/// are left out.
/// </summary>
internal static class RepositoryCopy
{
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { ".git", ".shop", "TestResults", "node_modules", "ready-to-run" };

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>; returns how many files.</summary>
    public static int Copy(string source, string destination) => Copy(source, destination, source);

    private static int Copy(string source, string destination, string root)
    {
        Directory.CreateDirectory(destination);
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(source).Where(f => Path.GetFileName(f) != ".git"))
        {
            var copy = Path.Combine(destination, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(file)); // MSBuild compares times
            count++;
        }

        foreach (var directory in Directory.EnumerateDirectories(source).Where(d => Wanted(Path.GetRelativePath(root, d))))
        {
            count += Copy(directory, Path.Combine(destination, Path.GetFileName(directory)), root);
        }

        return count;
    }

    private static bool Wanted(string relative)
    {
        var name = Path.GetFileName(relative);
        if (Skipped.Contains(name) || relative == Path.Combine("load", "reports"))
        {
            return false;
        }

        // Build output only where the copy reuses it (Dotnet.BuildAsync builds the rest).
        return name is not ("bin" or "obj") || !(relative.StartsWith("load", StringComparison.Ordinal)
            || (relative.StartsWith("tests", StringComparison.Ordinal) && !relative.StartsWith(Path.Combine("tests", "Testing"), StringComparison.Ordinal)));
    }
}
