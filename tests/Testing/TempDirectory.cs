namespace Shop.Testing;

/// <summary>A fresh directory under the temp folder, removed with everything in it on dispose.</summary>
/// <remarks>Readable by other users (unlike Directory.CreateTempSubdirectory's 0700), so that when tests run as root
/// the postgres user can reach a data directory below it.</remarks>
public sealed class TempDirectory : IDisposable
{
    /// <summary>The directory's full path.</summary>
    public string FullPath { get; } =
        Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"shop-test-{Guid.NewGuid():N}")).FullName;

    /// <summary>A path below the directory.</summary>
    public string Combine(string relativePath) => System.IO.Path.Combine(FullPath, relativePath);

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(FullPath, recursive: true);
}
