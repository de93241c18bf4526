using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Generation;

/// <summary>One run of the generator: open model when <see cref="Rate"/> is set, closed model with <see cref="VirtualUsers"/> otherwise.</summary>
internal sealed record LoadOptions
{
    public required Uri Gateway { get; init; }

    public double? Rate { get; init; }

    public int VirtualUsers { get; init; } = 16;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(5);

    public ScenarioMix Mix { get; init; } = ScenarioMix.Default;

    public int Tenants { get; init; } = 8;

    public int PoolUsers { get; init; } = 200;

    public int PoolOrders { get; init; } = 50;

    public int MaxConnections { get; init; } = 256;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public string? TraceLogPath { get; init; }

    /// <summary>Retry a checkout that got no answer or a server error with the same Idempotency-Key (the soak); null sends each once.</summary>
    public CheckoutRetry? CheckoutRetry { get; init; }

    /// <summary>Called with every checkout attempt's answer, the preparation's and warm-up's included.</summary>
    public Action<CheckoutAnswer>? CheckoutAnswered { get; init; }

    /// <summary>Print a progress line about once a second.</summary>
    public bool Progress { get; init; } = true;

    /// <summary>Keep every result in memory (for checks after the run).</summary>
    public bool KeepResults { get; init; } = true;

    /// <summary>Awaited after the warm-up, before the measured phase starts (a benchmark reads its counters here).</summary>
    public Func<CancellationToken, Task>? BeforeMeasured { get; init; }

    /// <summary>Awaited once the measured phase ended and its last answer arrived.</summary>
    public Func<CancellationToken, Task>? AfterMeasured { get; init; }

    public string Model => Rate is { } rate ? $"open, {rate:0.#} req/s" : $"closed, {VirtualUsers} virtual users";
}
