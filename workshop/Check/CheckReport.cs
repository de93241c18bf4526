namespace Shop.Workshop.Check;

/// <summary>What a module's check found: one line per thing that passed or is missing; the module passes when nothing is missing.</summary>
internal sealed class CheckReport
{
    private readonly List<(bool Passed, string Text)> _lines = [];

    public IReadOnlyList<string> Missing => [.. _lines.Where(l => !l.Passed).Select(l => l.Text)];

    public IReadOnlyList<string> Passed => [.. _lines.Where(l => l.Passed).Select(l => l.Text)];

    public bool Ok => _lines.Count > 0 && _lines.All(l => l.Passed);

    public void Pass(string text) => _lines.Add((true, text));

    public void Miss(string text) => _lines.Add((false, text));

    /// <summary>Records <paramref name="passed"/> under the text that says what was found, or the one that says what is missing.</summary>
    public bool Expect(bool passed, string found, string missing)
    {
        _lines.Add(passed ? (true, found) : (false, missing));
        return passed;
    }

    /// <summary>Prints every line in the order found (ok: / missing:) and a verdict; returns the exit code, 0 only when nothing is missing.</summary>
    public int Print(int module, TextWriter output)
    {
        foreach (var (passed, text) in _lines)
        {
            output.WriteLine((passed ? "ok:      " : "missing: ") + text);
        }

        var missing = _lines.Count(l => !l.Passed);
        output.WriteLine(missing == 0
            ? $"Module {module}: passed."
            : $"Module {module}: {missing} thing{(missing == 1 ? "" : "s")} missing (the lines starting with 'missing:').");
        return Ok ? 0 : 1;
    }
}
