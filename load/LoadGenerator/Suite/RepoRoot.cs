using Shop.Hosting;

namespace Shop.LoadGenerator.Suite;

/// <summary>The repository root (the folder with Shop.sln), found from the working directory or the program's folder.</summary>
internal static class RepoRoot
{
    public static string Find() =>
        RepositoryRoot.FindAbove(Directory.GetCurrentDirectory(), AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Shop.sln not found above the working directory or the program; run from the repository.");

    public static string Of(params string[] parts) => Path.Combine([Find(), .. parts]);
}
