using System.Globalization;
using System.Text;
using Shop.AppHost.Model;
using Shop.Hosting;

namespace Shop.AppHost.Terminal;

/// <summary>
/// The AppHost's console: each child's lines prefixed with its name (unless quiet), state changes, the resource
/// table and the ready line. One lock keeps lines from different children whole.
/// </summary>
internal sealed class ConsoleReporter(bool quiet)
{
    private static readonly string[] Colors = ["36", "32", "33", "35", "34", "96", "92", "93", "95"];
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _colors = new(StringComparer.Ordinal);
    private readonly bool _ansi = !Console.IsOutputRedirected;
    private int _width = 10;

    /// <summary>Registers a resource so that its prefix lines up with the others.</summary>
    public void Add(Resource resource)
    {
        lock (_lock)
        {
            _colors[resource.Name] = Colors[_colors.Count % Colors.Length];
            _width = Math.Max(_width, resource.Name.Length);
        }
    }

    /// <summary>A line from a child.</summary>
    public void Output(Resource resource, OutputLine line)
    {
        if (!quiet)
        {
            Write(Prefix(resource.Name) + line.Text);
        }
    }

    /// <summary>A line from the AppHost itself (always shown).</summary>
    public void Info(string message) => Write(Prefix("apphost") + message);

    public void Error(string message) => Write(Prefix("apphost") + Paint("31", message), error: true);

    public void StateChanged(Resource resource, ResourceState state, string? detail = null)
    {
        resource.State = state;
        Info($"{resource.Name}: {state.ToString().ToLowerInvariant()}{(detail is null ? "" : $" ({detail})")}");
    }

    /// <summary>The resource table: name, state, address, restarts.</summary>
    public void Table(IReadOnlyList<Resource> resources)
    {
        var rows = resources.Select(r => (r.Name, State: r.State.ToString(), Url: r.DisplayUrl ?? "",
            Restarts: r.Restarts.ToString(CultureInfo.InvariantCulture))).ToList();
        var nameWidth = Math.Max(8, rows.Max(r => r.Name.Length));
        var stateWidth = Math.Max(5, rows.Max(r => r.State.Length));
        var urlWidth = Math.Max(3, rows.Max(r => r.Url.Length));
        var text = new StringBuilder();
        var rule = $"+-{new string('-', nameWidth)}-+-{new string('-', stateWidth)}-+-{new string('-', urlWidth)}-+----------+";
        text.AppendLine(rule);
        text.AppendLine(CultureInfo.InvariantCulture, $"| {"resource".PadRight(nameWidth)} | {"state".PadRight(stateWidth)} | {"url".PadRight(urlWidth)} | restarts |");
        text.AppendLine(rule);
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Name.PadRight(nameWidth)} | {row.State.PadRight(stateWidth)} | {row.Url.PadRight(urlWidth)} | {row.Restarts,8} |");
        }

        text.Append(rule);
        Write(text.ToString());
    }

    /// <summary>The line people wait for.</summary>
    public void Ready(TimeSpan elapsed, string gateway, string dashboard) =>
        Write(Paint("1;32", string.Create(CultureInfo.InvariantCulture,
            $"Shop is ready in {elapsed.TotalSeconds:0.0} s: gateway {gateway}, dashboard {dashboard} (Ctrl+C stops everything)")));

    private string Prefix(string name)
    {
        var color = _colors.GetValueOrDefault(name, "90");
        return Paint(color, name.PadRight(_width)) + " | ";
    }

    private string Paint(string color, string text) => _ansi ? $"\u001b[{color}m{text}\u001b[0m" : text;

    private void Write(string text, bool error = false)
    {
        lock (_lock)
        {
            (error ? Console.Error : Console.Out).WriteLine(text);
        }
    }
}
