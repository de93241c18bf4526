namespace Shop.Hosting;

/// <summary>
/// A failure whose message alone tells a person what went wrong and what to do (install PostgreSQL, free a port,
/// read a process's last output lines); hosts print the message without a stack trace.
/// </summary>
public sealed class HostingException(string message) : Exception(message)
{
    /// <summary>A failure explained by a process's last output lines, appended one per line.</summary>
    public HostingException(string message, IEnumerable<string> output)
        : this(message + string.Concat(output.Select(line => $"\n  {line}")))
    {
    }
}
