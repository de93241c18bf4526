using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Shop.AppHost;

/// <summary>
/// Runs each project resource as <c>dotnet &lt;its built dll&gt;</c> instead of Aspire's default
/// <c>dotnet run --project ... --no-build</c>, which evaluates the project with MSBuild before the program starts
/// (2.5 to 3.5 s per project on a 2-core machine, paid again at every step of the WaitFor chain; load/README.md).
/// Building the AppHost has just built every project resource (they are its project references), and
/// AppHost.csproj records where each one's dll is. The resources stay Aspire project resources: the dashboard shows
/// them as projects with their console logs, health, restart and rebuild commands.
/// </summary>
internal static partial class BuildOutputExtensions
{
    /// <summary>The prefix of the assembly metadata keys AppHost.csproj writes: key = prefix + project path, value = its dll.</summary>
    private const string OutputMetadataPrefix = "Shop.ProjectOutput:";

    /// <summary>The prefix of the keys of the ReadyToRun copies a Release build publishes (AppHost.csproj).</summary>
    private const string ReadyToRunMetadataPrefix = "Shop.ProjectReadyToRun:";

    /// <summary>Launches every project resource from its built dll, unless an IDE or dotnet watch launches the projects.</summary>
    public static IDistributedApplicationBuilder RunProjectsFromBuildOutput(this IDistributedApplicationBuilder builder)
    {
        // An IDE's debug session (DEBUG_SESSION_PORT) builds and launches the projects itself, and dotnet watch must
        // watch them: leave those to Aspire.
        var configuration = builder.Configuration;
        if (configuration["DEBUG_SESSION_PORT"] is { Length: > 0 } || configuration["DOTNET_WATCH"] is "1" or "true" or "True")
        {
            return builder;
        }

        var outputs = BuiltOutputs(OutputMetadataPrefix);
        var readyToRun = BuiltOutputs(ReadyToRunMetadataPrefix);
        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            foreach (var project in @event.Model.Resources.OfType<ProjectResource>())
            {
                var projectPath = Path.GetFullPath(project.GetProjectMetadata().ProjectPath);
                if (outputs.TryGetValue(projectPath, out var built) && File.Exists(built))
                {
                    var dll = LaunchedDll(built, readyToRun.GetValueOrDefault(projectPath));

                    // The launch tool arguments replace Aspire's `run --project <path> --no-build ...` after the
                    // `dotnet` command; the working directory stays the project's directory. WithLaunchToolArgs is
                    // public but experimental in Aspire 13.6.5 (ASPIREEXTENSION001, "for evaluation purposes"): if
                    // it changes, the AppHost.Tests check of the services' command lines fails.
#pragma warning disable ASPIREEXTENSION001
                    builder.CreateResourceBuilder(project).WithLaunchToolArgs(context => context.Args.Add(dll));
#pragma warning restore ASPIREEXTENSION001
                }
                else
                {
                    LogNoBuiltOutput(@event.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BuildOutputExtensions).FullName!),
                        project.Name, project.GetProjectMetadata().ProjectPath);
                }
            }

            return Task.CompletedTask;
        });
        return builder;
    }

    /// <summary>
    /// The dll to run: the ReadyToRun copy of a Release build while it is at least as new as the build output, else
    /// the build output. A later build of the project alone (or with -p:ShopReadyToRun=false) leaves the copy behind,
    /// and the AppHost must not run old code.
    /// </summary>
    internal static string LaunchedDll(string built, string? readyToRun) =>
        readyToRun is not null && File.Exists(readyToRun) && File.GetLastWriteTimeUtc(readyToRun) >= File.GetLastWriteTimeUtc(built)
            ? readyToRun
            : built;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} starts through `dotnet run`: no built output of {Project} was recorded by the AppHost's build")]
    private static partial void LogNoBuiltOutput(ILogger logger, string resource, string project);

    /// <summary>Project path to dll, as the AppHost's build recorded them under <paramref name="prefix"/>.</summary>
    private static Dictionary<string, string> BuiltOutputs(string prefix) =>
        typeof(BuildOutputExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal) && a.Value is { Length: > 0 })
            .ToDictionary(a => Path.GetFullPath(a.Key[prefix.Length..]), a => Path.GetFullPath(a.Value!), StringComparer.Ordinal);
}
