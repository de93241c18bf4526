using System.Globalization;
using System.Text;
using System.Text.Json;
using Shop.LoadGenerator.Suite;
using Spectre.Console;

namespace Shop.LoadGenerator.Reporting;

/// <summary>A report as rows of a table: printed to the console, written as Markdown and as JSON under load/reports/.</summary>
internal sealed class Report(string name, string title)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public string Name { get; } = name;

    public string Title { get; } = title;

    public List<string> Notes { get; } = [];

    /// <summary>A benchmark whose verdict is a failure: the command exits with 1.</summary>
    public bool Failed { get; set; }

    public List<Section> Sections { get; } = [];

    /// <summary>Everything that was measured, as structured data for the JSON report.</summary>
    public Dictionary<string, object?> Data { get; } = [];

    public Section Add(string heading, params string[] columns)
    {
        var section = new Section(heading, columns);
        Sections.Add(section);
        return section;
    }

    public void Print()
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(Title)}[/]");
        foreach (var note in Notes)
        {
            AnsiConsole.WriteLine(note);
        }

        foreach (var section in Sections)
        {
            var table = new Table().Title(Markup.Escape(section.Heading));
            foreach (var column in section.Columns)
            {
                table.AddColumn(Markup.Escape(column));
            }

            foreach (var row in section.Rows)
            {
                table.AddRow([.. row.Select(Markup.Escape)]);
            }

            AnsiConsole.Write(table);
        }
    }

    /// <summary>Writes {name}-{timestamp}.md and .json under load/reports/ (or <paramref name="directory"/>); returns the Markdown path.</summary>
    public string Write(string? directory = null)
    {
        directory ??= RepoRoot.Of("load", "reports");
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"{Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        var markdown = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"# {Title}").AppendLine();
        foreach (var note in Notes)
        {
            markdown.AppendLine(note).AppendLine();
        }

        foreach (var section in Sections)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"## {section.Heading}").AppendLine();
            markdown.AppendLine("| " + string.Join(" | ", section.Columns) + " |");
            markdown.AppendLine("|" + string.Concat(section.Columns.Select(_ => "---|")));
            foreach (var row in section.Rows)
            {
                markdown.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
            }

            markdown.AppendLine();
        }

        File.WriteAllText(stem + ".md", markdown.ToString());
        var json = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["title"] = Title,
            ["notes"] = Notes,
            ["sections"] = Sections.Select(s => new { s.Heading, s.Columns, s.Rows }),
            ["data"] = Data,
        };
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(json, Json));
        AnsiConsole.WriteLine($"Report: {stem}.md and .json");
        return stem + ".md";
    }

    public static string Ms(double value) => double.IsNaN(value) ? "-" : value.ToString(value >= 100 ? "0" : value >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    public static string Number(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public sealed class Section(string heading, string[] columns)
    {
        public string Heading { get; } = heading;

        public string[] Columns { get; } = columns;

        public List<string[]> Rows { get; } = [];

        public Section Row(params string[] cells)
        {
            Rows.Add(cells);
            return this;
        }
    }
}
