using System.Reflection;

namespace Shop.Testing;

/// <summary>Paths of the suite's built programs, in the configuration the tests were built in.</summary>
public static class BuiltApp
{
    /// <summary>Debug or Release: whatever this test assembly was built as.</summary>
    public static string Configuration { get; } =
        typeof(BuiltApp).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The main assembly of the project in <paramref name="projectDir"/> (relative to the repo root).</summary>
    public static string Dll(string projectDir, string assemblyName)
    {
        var path = RepoPaths.Of(projectDir, "bin", Configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is not built; run `dotnet build Shop.sln -c {Configuration}` first.", path);
    }
}
