using System.Globalization;

namespace Shop.Workshop.Check;

/// <summary>The command line: a module number 1 to 6, at most one positional argument, and the options.</summary>
internal sealed record CheckOptions(int Module, string? Argument, string? Endpoints, string? Repository, string? TraceLog, TimeSpan Wait)
{
    public const int Modules = 6;

    /// <summary>How long a check waits by default for telemetry to arrive (exporters batch, Prometheus scrapes every 5 s).</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);

    /// <summary>The options, or null when the command line is not one (the caller prints the usage).</summary>
    public static CheckOptions? Parse(IReadOnlyList<string> args)
    {
        int? module = null;
        string? argument = null, endpoints = null, repository = null, traceLog = null;
        var wait = DefaultWait;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--endpoints" when i + 1 < args.Count:
                    endpoints = Path.GetFullPath(args[++i]);
                    break;
                case "--repo" when i + 1 < args.Count:
                    repository = Path.GetFullPath(args[++i]);
                    break;
                case "--trace-log" when i + 1 < args.Count:
                    traceLog = Path.GetFullPath(args[++i]);
                    break;
                case "--wait" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds):
                    wait = TimeSpan.FromSeconds(seconds);
                    i++;
                    break;
                case var value when value.StartsWith('-'):
                    return null;
                case var value when module is null:
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > Modules)
                    {
                        return null;
                    }

                    module = number;
                    break;
                case var value when argument is null:
                    argument = value;
                    break;
                default:
                    return null;
            }
        }

        return module is { } m ? new CheckOptions(m, argument, endpoints, repository, traceLog, wait) : null;
    }
}
