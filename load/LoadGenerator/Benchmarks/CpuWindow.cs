namespace Shop.LoadGenerator.Benchmarks;

/// <summary>CPU time of every process involved (suite components, PostgreSQL, this generator) between two points.</summary>
internal sealed class CpuWindow(SuiteProcess suite, BenchPostgres postgres)
{
    /// <summary>The component this process (the load generator) is counted as.</summary>
    public const string LoadGenerator = "load generator";

    private CpuSnapshot _start = [];

    public Dictionary<string, TimeSpan> Used { get; private set; } = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _start = Snapshot();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Used = ProcessCpu.Used(_start, Snapshot());
        return Task.CompletedTask;
    }

    private CpuSnapshot Snapshot() =>
        suite.CpuTimes().With(postgres.CpuTimes()).With(ProcessCpu.Snapshot([Environment.ProcessId], _ => LoadGenerator));
}
