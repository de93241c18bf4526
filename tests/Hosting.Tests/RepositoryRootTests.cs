using Shop.Testing;

namespace Shop.Hosting.Tests;

public sealed class RepositoryRootTests
{
    [Fact]
    public void The_nearest_folder_with_Shop_sln_above_the_first_start_that_has_one_is_the_root()
    {
        using var outside = new TempDirectory();
        using var repository = new TempDirectory();
        File.WriteAllText(Path.Combine(repository.FullPath, RepositoryRoot.SolutionFile), "");
        var nested = Directory.CreateDirectory(Path.Combine(repository.FullPath, "src", "Users", "bin")).FullName;

        Assert.Equal(repository.FullPath, RepositoryRoot.FindAbove(outside.FullPath, nested));
        Assert.Equal(repository.FullPath, RepositoryRoot.FindAbove(repository.FullPath));
    }

    [Fact]
    public void No_Shop_sln_above_any_start_finds_no_root()
    {
        using var outside = new TempDirectory();

        Assert.Null(RepositoryRoot.FindAbove(outside.FullPath));
    }
}
