using System.Reflection;

namespace Shop.AppHost.Run;

/// <summary>Where the repository and the other projects' build output are, found from the AppHost's own assembly.</summary>
internal static class RepositoryLayout
{
    /// <summary>Debug or Release: the children run from the same configuration as the AppHost.</summary>
    public static string Configuration { get; } =
        typeof(RepositoryLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The dotnet host that runs us (under `dotnet run` we run as an apphost executable: then dotnet on PATH).</summary>
    public static string DotnetHost { get; } =
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) is "dotnet" ? Environment.ProcessPath! : "dotnet";

    /// <summary>The folder with Shop.sln above the AppHost's output, or above the working directory.</summary>
    public static string FindRoot() =>
        Hosting.RepositoryRoot.FindAbove(AppContext.BaseDirectory, Directory.GetCurrentDirectory())
        ?? throw new Hosting.HostingException(
            $"Shop.sln was not found above {AppContext.BaseDirectory}: run the AppHost from its build output inside the repository.");

    /// <summary>The main assembly of the project in <paramref name="projectDirectory"/>, e.g. src/Users → src/Users/bin/Release/net10.0/Shop.Users.dll.</summary>
    public static string AssemblyOf(string root, string projectDirectory) =>
        Path.Combine(root, projectDirectory, "bin", Configuration, "net10.0", $"Shop.{Path.GetFileName(projectDirectory)}.dll");
}
