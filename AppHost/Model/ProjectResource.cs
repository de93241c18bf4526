using Shop.AppHost.Run;
using Shop.Hosting;

namespace Shop.AppHost.Model;

/// <summary>One of the suite's .NET projects, run from its build output with <c>dotnet</c>.</summary>
internal sealed class ProjectResource(string name, string assemblyPath, Action<Resource, OutputLine> output)
    : ProcessResource(name, output)
{
    /// <summary>The assembly that runs.</summary>
    public string AssemblyPath => assemblyPath;

    protected override Task<ChildProcessOptions> PrepareAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new HostingException($"{Name}: {assemblyPath} is missing; run `dotnet build Shop.sln -c {RepositoryLayout.Configuration}` first.");
        }

        var environment = ChildEnvironment.Compose(EvaluateEnvironment(), System.Environment.GetEnvironmentVariable);
        return Task.FromResult(new ChildProcessOptions(RepositoryLayout.DotnetHost, [assemblyPath])
        {
            WorkingDirectory = Path.GetDirectoryName(assemblyPath), // the content root, where appsettings.json is
            Environment = environment,
        });
    }
}
