using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Shop.Hosting;

/// <summary>
/// A child process that dies with its parent, even when the parent is SIGKILLed; its output arrives line by line.
/// </summary>
/// <remarks>
/// The child starts through a small <c>sh</c> watchdog whose stdin is a pipe from us. The watchdog forks a watcher
/// and then <c>exec</c>s the command, so the child keeps the watchdog's pid and our signals reach it directly.
/// The watcher reads lines from the pipe: a signal name to deliver, or <c>exit</c> once we saw the child end.
/// End of file means we died (the kernel closes our end even on SIGKILL, and .NET creates its pipes
/// close-on-exec, so no other child holds that end open): the watcher sends the stop signal, waits the stop
/// timeout, then sends SIGKILL. The child's own stdin is /dev/null.
/// PR_SET_PDEATHSIG is not used: it fires when the forking thread exits, and thread-pool threads come and go.
/// </remarks>
public sealed class ChildProcess : IAsyncDisposable
{
    // $1: the signal to send when we die, $2: seconds before SIGKILL, then the command. The pipe moves to fd 3
    // because a non-interactive shell gives background jobs /dev/null as stdin.
    private const string Watchdog = """
        pid=$$ sig=$1 grace=$2
        shift 2
        exec 3<&0
        {
          while read -r command; do
            [ "$command" = exit ] && exit 0
            kill -s "$command" "$pid"
          done
          kill -s "$sig" "$pid" || exit 0
          while kill -0 "$pid"; do
            [ "$grace" -le 0 ] && { kill -s KILL "$pid"; exit 0; }
            sleep 1
            grace=$((grace - 1))
          done
        } <&3 >/dev/null 2>&1 &
        exec "$@" 3<&- </dev/null
        """;

    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(2);

    // A process started as a background job of a non-interactive shell inherits SIGINT and SIGQUIT ignored,
    // and a shell cannot trap a signal ignored on entry. The stop signals must work whatever started us, so the
    // command runs through GNU env, which restores the default dispositions and execs in place (same pid).
    private static readonly string[] DefaultSignals = SupportsDefaultSignal()
        ? ["/usr/bin/env", "--default-signal=HUP,INT,QUIT,TERM"]
        : [];

    private readonly Process _process;
    private readonly ChildProcessOptions _options;
    private readonly Queue<string> _recent = new();
    private int _disposed;
    private readonly Lock _watchdogLock = new();

    private ChildProcess(Process process, ChildProcessOptions options)
    {
        _process = process;
        _options = options;
        var stdout = PumpAsync(process.StandardOutput, isError: false);
        var stderr = PumpAsync(process.StandardError, isError: true);
        Exited = WaitForExitAsync(stdout, stderr);
    }

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Completes with the exit code (128 + n when signal n ended it) once the child exited and its output was read.</summary>
    public Task<int> Exited { get; }

    /// <summary>The last output lines, stdout and stderr in arrival order, for error reports.</summary>
    public IReadOnlyList<string> RecentOutput
    {
        get
        {
            lock (_recent)
            {
                return [.. _recent];
            }
        }
    }

    /// <summary>Starts <paramref name="options"/>' command under the watchdog.</summary>
    public static ChildProcess Start(ChildProcessOptions options)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("ChildProcess needs a POSIX shell.");
        }

        // setsid execs in place (our child is no process group leader, so it does not fork): the pid stays the child's.
        var startInfo = new ProcessStartInfo(options.NewSession ? "setsid" : "/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = options.WorkingDirectory ?? "",
        };
        var graceSeconds = (int)Math.Ceiling(options.StopTimeout.TotalSeconds);
        string[] arguments =
        [
            .. options.NewSession ? ["/bin/sh"] : Array.Empty<string>(), "-c", Watchdog, "shop-watchdog", SignalName(options.StopSignal),
            graceSeconds.ToString(CultureInfo.InvariantCulture), .. DefaultSignals, options.FileName, .. options.Arguments,
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in options.Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        return new ChildProcess(Process.Start(startInfo)!, options);
    }

    /// <summary>Sends the stop signal, waits up to the stop timeout, then SIGKILLs the child and its descendants.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> StopAsync(CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited)
        {
            TellWatchdog(SignalName(_options.StopSignal));
            try
            {
                await Exited.WaitAsync(_options.StopTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        return await Exited;
    }

    /// <summary>Stops the child (see <see cref="StopAsync"/>) and releases the process handle; later calls do nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync();
        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader, bool isError)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_recent)
            {
                _recent.Enqueue(line);
                if (_recent.Count > _options.RecentLines)
                {
                    _recent.Dequeue();
                }
            }

            _options.Output?.Invoke(new OutputLine(line, isError));
        }
    }

    private async Task<int> WaitForExitAsync(Task stdout, Task stderr)
    {
        await _process.WaitForExitAsync();

        // Release the watcher now: a pid it signalled later could belong to another process by then.
        TellWatchdog("exit");

        // Grandchildren that inherited stdout or stderr can keep the pipes open; read on for a moment, not forever.
        await Task.WhenAll(stdout, stderr).WaitAsync(OutputDrainTimeout)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return _process.ExitCode;
    }

    private void TellWatchdog(string line)
    {
        lock (_watchdogLock)
        {
            try
            {
                _process.StandardInput.WriteLine(line);
            }
            catch (IOException)
            {
                // The watcher is gone (someone killed it); StopAsync still ends with SIGKILL.
            }
        }
    }

    private static bool SupportsDefaultSignal()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("/usr/bin/env", ["--default-signal=INT", "true"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            });
            probe?.WaitForExit();
            return probe?.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string SignalName(PosixSignal signal) =>
        signal.ToString() is ['S', 'I', 'G', .. var name]
            ? name
            : throw new ArgumentOutOfRangeException(nameof(signal), signal, "Use a named PosixSignal.");
}
