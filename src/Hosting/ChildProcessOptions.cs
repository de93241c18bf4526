using System.Runtime.InteropServices;

namespace Shop.Hosting;

/// <summary>What to start as a <see cref="ChildProcess"/> and how to stop it.</summary>
public sealed record ChildProcessOptions(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>The child's working directory; null keeps ours.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables set for the child on top of ours; a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Called for every line the child writes to stdout or stderr, on a thread-pool thread; must not throw.</summary>
    public Action<OutputLine>? Output { get; init; }

    /// <summary>How many of the last output lines <see cref="ChildProcess.RecentOutput"/> keeps for error reports.</summary>
    public int RecentLines { get; init; } = 50;

    /// <summary>The signal that asks the child to stop, sent by <see cref="ChildProcess.StopAsync"/> and when we die.</summary>
    public PosixSignal StopSignal { get; init; } = PosixSignal.SIGTERM;

    /// <summary>How long the child may take to stop after <see cref="StopSignal"/> before it gets SIGKILL.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs the child and its watchdog in a session (and process group) of its own, so a terminal's Ctrl+C or a signal
    /// to the parent's process group reaches only the parent, which then stops its children in order; the lifeline
    /// still stops the child when the parent dies.
    /// </summary>
    public bool NewSession { get; init; }
}

/// <summary>One line of a child's output.</summary>
public readonly record struct OutputLine(string Text, bool IsError);
