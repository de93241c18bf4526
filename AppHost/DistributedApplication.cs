using System.Diagnostics;
using System.Runtime.InteropServices;
using Shop.AppHost.Model;
using Shop.AppHost.Run;
using Shop.AppHost.Supervision;
using Shop.AppHost.Terminal;
using Shop.Hosting;

namespace Shop.AppHost;

/// <summary>The resources Program.cs declares, in order, and the run: port check, start, ready, supervise, stop.</summary>
internal sealed class DistributedApplication
{
    private readonly List<Resource> _resources = [];

    private DistributedApplication(AppHostOptions options, string root, StateDirectory state, ConsoleReporter console)
    {
        Options = options;
        RepositoryRoot = root;
        State = state;
        Console = console;
    }

    public AppHostOptions Options { get; }

    public string RepositoryRoot { get; }

    public StateDirectory State { get; }

    public ConsoleReporter Console { get; }

    public IReadOnlyList<Resource> Resources => _resources;

    /// <summary>Written once everything is healthy, removed on exit.</summary>
    public EndpointsFile? Endpoints { get; set; }

    /// <summary>Parses the command line and declares the resources with <paramref name="declare"/>, then runs them until Ctrl+C or SIGTERM.</summary>
    /// <returns>The process exit code: 0 after a requested stop, 1 when the suite could not start, 2 for a bad command line.</returns>
    public static async Task<int> RunAsync(string[] args, Action<DistributedApplication> declare)
    {
        var console = new ConsoleReporter(quiet: false);
        StateDirectory? state = null;
        try
        {
            var root = RepositoryLayout.FindRoot();
            var (options, exitCode) = AppHostOptions.Parse(args, root);
            if (options is null)
            {
                return exitCode;
            }

            console = new ConsoleReporter(options.Quiet);
            state = StateDirectory.Open(options.StateDirectory);
            var app = new DistributedApplication(options, root, state, console);
            declare(app);
            return await app.RunAsync();
        }
        catch (HostingException e)
        {
            console.Error(e.Message);
            return 1;
        }
        finally
        {
            state?.Dispose();
        }
    }

    public T Add<T>(T resource)
        where T : Resource
    {
        _resources.Add(resource);
        Console.Add(resource);
        return resource;
    }

    /// <summary>PostgreSQL: the server of --postgres / ConnectionStrings__postgres, or the embedded one with its data in the state directory.</summary>
    public PostgresResource AddPostgres(string name) =>
        Add(new PostgresResource(name, Options.Postgres, State.DataDirectory(name), Console.Output));

    /// <summary>A project of the repository (e.g. src/Users), run from its build output.</summary>
    public ProjectResource AddProject(string name, string projectDirectory)
    {
        var project = Add(new ProjectResource(name, RepositoryLayout.AssemblyOf(RepositoryRoot, projectDirectory), Console.Output));
        project.SetEnvironment("ASPNETCORE_ENVIRONMENT", Options.Environment);
        project.SetEnvironment("DOTNET_ENVIRONMENT", Options.Environment);
        project.SetEnvironment("ASPNETCORE_URLS", null); // Kestrel endpoints are configured by name; the URLS would only warn
        project.SetEnvironment("DOTNET_NOLOGO", "1");
        return project;
    }

    /// <summary>A program on PATH; null (with a note on how to install it) when it is not installed.</summary>
    public ExecutableResource? AddExecutable(string name, string program, string debianPackage)
    {
        if (ExecutableResource.Find(program) is not { } path)
        {
            Console.Info($"{name} is not started: '{program}' is not on PATH (Debian/Ubuntu: sudo apt-get install {debianPackage}).");
            return null;
        }

        return Add(new ExecutableResource(name, path, Console.Output));
    }

    private async Task<int> RunAsync()
    {
        PortCheck.EnsureFree(_resources);
        File.Delete(Endpoints?.Path ?? ""); // a killed run's file describes nothing that runs

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var supervisor = new Supervisor(_resources, Console);
        try
        {
            await supervisor.StartAsync(stop.Token);
            Endpoints?.Write();
            Console.Table(_resources);
            var elapsed = DateTime.Now - Process.GetCurrentProcess().StartTime;
            Console.Ready(elapsed, Endpoints?.Gateway.Endpoint("http").Url ?? "", Endpoints?.Dashboard.Endpoint("http").Url ?? "");
            if (Endpoints is not null)
            {
                Console.Info($"Endpoints and the payments admin token: {Endpoints.Path}");
            }

            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Console.Info("stopping");
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Info("stopped while starting");
            return 0;
        }
        catch (HostingException e)
        {
            Console.Error(e.Message);
            await stop.CancelAsync();
            return 1;
        }
        finally
        {
            Endpoints?.Delete();
            if (!stop.IsCancellationRequested)
            {
                await stop.CancelAsync();
            }

            await supervisor.StopAsync();
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we stop the children in order, then exit ourselves
            stop.Cancel();
        }
    }
}
