using System.Text.RegularExpressions;

namespace Shop.LoadGenerator.Privacy;

/// <summary>
/// The console output of every process resource of one suite, as DCP (Aspire's orchestrator) keeps it: DCP reads each
/// process's standard output and error from pipes and writes them to <c>&lt;id&gt;_out</c> and <c>&lt;id&gt;_err</c> in
/// its session directory (next to its <c>kubeconfig</c>), with <c>resource-executable-&lt;id&gt;.log</c> naming the
/// resource; the Aspire dashboard's console logs are read from there. The suite's DCP is the parent of the processes
/// that export to the suite's OTLP endpoint. Linux only (/proc); elsewhere none.
/// </summary>
internal static partial class ConsoleLogs
{
    public static IReadOnlyList<(string Resource, string File)> Find(Uri otlpHttp)
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var found = new SortedSet<(string, string)>();
        foreach (var session in SessionDirectories(otlpHttp.ToString().TrimEnd('/')))
        {
            foreach (var log in Directory.EnumerateFiles(session, "resource-executable-*.log"))
            {
                var id = Path.GetFileNameWithoutExtension(log)["resource-executable-".Length..];
                if (ExecutableName().Match(File.ReadAllText(log)) is not { Success: true } name)
                {
                    continue;
                }

                foreach (var stream in new[] { "_out", "_err" })
                {
                    var file = Path.Combine(session, id + stream);
                    if (File.Exists(file))
                    {
                        found.Add((name.Groups[1].Value, file));
                    }
                }
            }
        }

        return [.. found];
    }

    // The DCP session directories of the processes exporting to the suite's OTLP endpoint: their parent's --kubeconfig folder.
    private static HashSet<string> SessionDirectories(string otlpEndpoint)
    {
        var sessions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out _))
            {
                continue;
            }

            try
            {
                var endpoint = File.ReadAllText(Path.Combine(directory, "environ")).Split('\0')
                    .FirstOrDefault(e => e.StartsWith("OTEL_EXPORTER_OTLP_ENDPOINT=", StringComparison.Ordinal))?.Split('=', 2)[1];
                if (endpoint is null || !string.Equals(endpoint.TrimEnd('/'), otlpEndpoint, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var parent = ParentId().Match(File.ReadAllText(Path.Combine(directory, "status"))).Groups[1].Value;
                var command = File.ReadAllText($"/proc/{parent}/cmdline").Split('\0');
                var kubeconfig = Array.IndexOf(command, "--kubeconfig");
                if (kubeconfig >= 0 && kubeconfig + 1 < command.Length && Path.GetDirectoryName(command[kubeconfig + 1]) is { } session && Directory.Exists(session))
                {
                    sessions.Add(session);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or another user's process.
            }
        }

        return sessions;
    }

    // "Executable": "/gateway-kutrqncu": the resource name and DCP's random suffix.
    [GeneratedRegex(@"""Executable"":\s*""/([^""]+)-[a-z0-9]+""")]
    private static partial Regex ExecutableName();

    [GeneratedRegex(@"PPid:\s*(\d+)")]
    private static partial Regex ParentId();
}
