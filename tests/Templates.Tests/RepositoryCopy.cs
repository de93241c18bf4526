namespace Shop.Templates.Tests;

/// <summary>The repository's sources copied to a folder, without what builds and runs leave behind.</summary>
internal static class RepositoryCopy
{
    // Build output, run state and installed packages: the copy builds and restores its own.
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { ".git", "bin", "obj", ".shop", "TestResults", "node_modules" };

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>; returns how many files.</summary>
    public static int Copy(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(source))
        {
            if (Path.GetFileName(file) != ".git")
            {
                File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
                count++;
            }
        }

        foreach (var directory in Directory.EnumerateDirectories(source).Where(d => !Skipped.Contains(Path.GetFileName(d)) && !d.EndsWith("load/reports", StringComparison.Ordinal)))
        {
            count += Copy(directory, Path.Combine(destination, Path.GetFileName(directory)));
        }

        return count;
    }
}
