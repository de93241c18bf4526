using Shop.Testing;

namespace Shop.Workshop.Tests;

/// <summary>A copy of this repository's working tree (tracked and new files, not what .gitignore ignores) in a temporary directory.</summary>
internal sealed class RepositoryCopy : IDisposable
{
    private readonly TempDirectory _directory = new();

    public string Root => _directory.FullPath;

    public static async Task<RepositoryCopy> CreateAsync()
    {
        var listing = await ExternalTool.RunAsync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], workingDirectory: RepoPaths.Root);
        Assert.True(listing.ExitCode == 0, listing.ToString());
        var copy = new RepositoryCopy();
        foreach (var file in listing.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var source = RepoPaths.Of(file);
            if (File.Exists(source)) // listed but deleted in the working tree
            {
                var target = Path.Combine(copy.Root, file);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target);
            }
        }

        return copy;
    }

    /// <summary>git apply, as a learner applies a solution (outside a repository git apply works like patch).</summary>
    public async Task ApplyAsync(string patch)
    {
        var result = await ExternalTool.RunAsync("git", ["apply", "--verbose", patch], workingDirectory: Root);
        Assert.True(result.ExitCode == 0, $"git apply {Path.GetFileName(patch)}: {result}");
    }

    /// <summary>A step script of workshop/solutions that changes the copy (module 5 makes a service), with extra environment variables.</summary>
    public async Task RunStepsAsync(string script, params (string Name, string Value)[] environment)
    {
        var result = await ExternalTool.RunAsync("env", [.. environment.Select(e => $"{e.Name}={e.Value}"), "bash", Path.Combine(Root, "workshop", "solutions", script)],
            workingDirectory: Root, timeout: TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, $"{script} in the copy: {result}");
    }

    /// <summary>dotnet build of one project of the copy in Release (the AppHost builds every service it runs).</summary>
    public async Task BuildAsync(string project, params string[] properties)
    {
        var result = await ExternalTool.RunAsync("dotnet", ["build", project, "-c", "Release", "-nologo", "-clp:ErrorsOnly", .. properties],
            workingDirectory: Root, timeout: TimeSpan.FromMinutes(15));
        Assert.True(result.ExitCode == 0, $"dotnet build {project} in the copy: {result}");
    }

    /// <summary>Copies a project's Release build output from this repository, for a program no patch changes.</summary>
    public void CopyBuildOutput(string project)
    {
        var source = RepoPaths.Of(project, "bin", "Release");
        Assert.True(Directory.Exists(source), $"{source} is missing: build first (dotnet build Shop.sln -c Release).");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(Root, project, "bin", "Release", Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose()
    {
        try
        {
            _directory.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // left in the temporary folder
        }
    }
}
