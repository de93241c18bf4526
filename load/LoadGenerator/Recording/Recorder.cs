using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Recording;

/// <summary>Collects every result of a run: all latencies per scenario (exact percentiles), errors by kind, and an interval window for live progress.</summary>
internal sealed class Recorder
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Scenario, List<double>> _latencies = ScenarioNames.All.ToDictionary(s => s, _ => new List<double>());
    private readonly Dictionary<Scenario, List<double>> _serviceTimes = ScenarioNames.All.ToDictionary(s => s, _ => new List<double>());
    private readonly Dictionary<(Scenario, string), int> _outcomes = [];
    private readonly List<RequestResult> _results = [];
    private List<double> _interval = [];
    private int _intervalErrors;

    public Action<RequestResult>? Observer { get; init; }

    /// <summary>Keeps every result (for the trace capture check); off for long runs where the trace log is enough.</summary>
    public bool KeepResults { get; init; }

    public void Add(RequestResult result)
    {
        lock (_lock)
        {
            _latencies[result.Scenario].Add(result.LatencyMs);
            _serviceTimes[result.Scenario].Add(result.ServiceMs);
            var key = (result.Scenario, result.Outcome);
            _outcomes[key] = _outcomes.GetValueOrDefault(key) + 1;
            _interval.Add(result.LatencyMs);
            if (!result.Succeeded)
            {
                _intervalErrors++;
            }

            if (KeepResults)
            {
                _results.Add(result);
            }
        }

        Observer?.Invoke(result);
    }

    /// <summary>The latencies completed since the last call, and how many of them failed.</summary>
    public (List<double> Latencies, int Errors) TakeInterval()
    {
        lock (_lock)
        {
            var taken = (_interval, _intervalErrors);
            _interval = new List<double>(taken._interval.Count + 16);
            _intervalErrors = 0;
            return taken;
        }
    }

    public IReadOnlyList<RequestResult> Results
    {
        get
        {
            lock (_lock)
            {
                return [.. _results];
            }
        }
    }

    /// <summary>Per-scenario latency summaries and outcome counts, computed once at the end.</summary>
    public IReadOnlyList<ScenarioStats> Summarize()
    {
        lock (_lock)
        {
            return [.. ScenarioNames.All.Where(s => _latencies[s].Count > 0).Select(s => new ScenarioStats(
                s.Name(),
                Percentiles.Summarize([.. _latencies[s]]),
                Percentiles.Summarize([.. _serviceTimes[s]]),
                _outcomes.Where(o => o.Key.Item1 == s).ToDictionary(o => o.Key.Item2, o => o.Value)))];
        }
    }
}

/// <summary>One scenario's figures: latency from intended start, service time from the actual send, answers by outcome.</summary>
internal sealed record ScenarioStats(string Scenario, LatencySummary Latency, LatencySummary ServiceTime, Dictionary<string, int> Outcomes)
{
    public int Requests => Latency.Count;

    /// <summary>The answers that were not a 2xx, by kind (an HTTP status, a timeout, a connection failure).</summary>
    public IEnumerable<KeyValuePair<string, int>> ErrorOutcomes => Outcomes.Where(o => !IsSuccess(o.Key));

    public int Errors => ErrorOutcomes.Sum(o => o.Value);

    public int ServerErrors => ErrorOutcomes.Where(o => !o.Key.StartsWith("HTTP 4", StringComparison.Ordinal)).Sum(o => o.Value);

    private static bool IsSuccess(string outcome) => outcome.Length == 3 && outcome[0] == '2';
}
