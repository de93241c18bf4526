namespace Shop.LoadGenerator.Benchmarks;

/// <summary>
/// Finds the highest rate that passes a probe: grows the rate geometrically from <see cref="Start"/> until a probe fails
/// (or <see cref="Max"/> passes), bisects between the last pass and the first fail down to <see cref="Resolution"/>,
/// then probes the answer once more; when that confirmation fails, the search goes on below it.
/// </summary>
internal sealed record RateSearch(double Start, double Max, double Growth = 1.5, double Resolution = 10, int MaxProbes = 16)
{
    public async Task<RateSearchResult> FindAsync(Func<double, Task<bool>> passes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Start, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(Max, Start);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Growth, 1);
        var probes = new List<(double Rate, bool Passed)>();
        async Task<bool> Probe(double rate)
        {
            var passed = await passes(rate);
            probes.Add((rate, passed));
            return passed;
        }

        double? pass = null;
        double? fail = null;
        for (var rate = Start; probes.Count < MaxProbes; rate = Math.Min(Max, Math.Round(rate * Growth)))
        {
            if (await Probe(rate))
            {
                pass = rate;
                if (rate >= Max)
                {
                    break;
                }
            }
            else
            {
                fail = rate;
                break;
            }
        }

        while (probes.Count < MaxProbes)
        {
            var low = pass ?? 0;
            if (fail is { } high && high - low > Resolution)
            {
                var middle = Math.Round((low + high) / 2);
                if (await Probe(middle))
                {
                    pass = middle;
                }
                else
                {
                    fail = middle;
                }

                continue;
            }

            if (pass is not { } best || await Probe(best))
            {
                break;
            }

            // The answer did not hold up twice: it is an upper bound now.
            fail = best;
            pass = probes.Where(p => p.Passed && p.Rate < best).Select(p => (double?)p.Rate).Max();
        }

        return new RateSearchResult(pass, fail, probes);
    }
}

/// <summary>The highest rate that passed (null when none did), the lowest that failed, and every probe in order.</summary>
internal sealed record RateSearchResult(double? Best, double? LowestFailure, IReadOnlyList<(double Rate, bool Passed)> Probes)
{
    /// <summary>The best rate passed at least twice (the probe limit can end the search before the confirmation).</summary>
    public bool Confirmed => Best is { } best && Probes.Count(p => p.Rate == best && p.Passed) >= 2;
}
