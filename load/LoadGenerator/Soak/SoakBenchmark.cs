using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Shop.LoadGenerator.Benchmarks;
using Shop.LoadGenerator.Generation;
using Shop.LoadGenerator.Privacy;
using Shop.LoadGenerator.Recording;
using Shop.LoadGenerator.Reporting;
using Shop.LoadGenerator.Scenarios;

namespace Shop.LoadGenerator.Soak;

/// <summary>
/// Benchmark 4: nothing is lost. The default mix at a fixed rate with failing and slow payments injected through the
/// payments fault API; mid-run, kill -9 of payments and of orders (started again through the AppHost, as the Aspire
/// dashboard's Start button does) and one restart of PostgreSQL. The client retries a failed checkout with the same
/// Idempotency-Key. Afterwards the suite is given time to finish its Pending orders and its outbox, and the databases
/// are reconciled with each other and with every answer the client got.
/// </summary>
internal static class SoakBenchmark
{
    public enum FaultKind
    {
        KillPayments,
        KillOrders,
        RestartPostgres,
    }

    public sealed record Fault(FaultKind Kind, TimeSpan At);

    public sealed record Settings
    {
        /// <summary>Requests per second of the mix: about 60% of the rate at SLO (load/README.md).</summary>
        public double Rate { get; init; } = 30;
        public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);
        public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(15);
        public ScenarioMix Mix { get; init; } = ScenarioMix.Default;
        public int Tenants { get; init; } = 8;
        public double FailureRate { get; init; } = 0.20;
        public double SlowRate { get; init; } = 0.05;
        public int SlowMs { get; init; } = 1000;

        /// <summary>How long a killed service or the stopped PostgreSQL stays down before it is brought back.</summary>
        public TimeSpan Down { get; init; } = TimeSpan.FromSeconds(10);

        /// <summary>Null: payments killed at 20% of the run, orders at 45%, PostgreSQL restarted at 70%.</summary>
        public IReadOnlyList<Fault>? Faults { get; init; }

        /// <summary>The longest wait after the run for the suite to finish its Pending orders and publish its outbox.</summary>
        public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(5);

        public CheckoutRetry Retry { get; init; } = CheckoutRetry.Default;

        /// <summary>Awaited after the reconciliation while the databases still run (tests tamper with them here).</summary>
        public Func<SoakDatabases, Task>? AfterReconciliation { get; init; }

        public IReadOnlyList<Fault> FaultPlan => Faults ??
        [
            new(FaultKind.KillPayments, Duration * 0.20),
            new(FaultKind.KillOrders, Duration * 0.45),
            new(FaultKind.RestartPostgres, Duration * 0.70),
        ];
    }

    /// <summary>One fault as it happened, in milliseconds since the Unix epoch and seconds after the fault.</summary>
    public sealed record FaultWindow(Fault Fault, long StartUnixMs, double DownSeconds, double BackSeconds, double? RecoveredSeconds)
    {
        /// <summary>The window whose errors are the fault's: from the fault to recovery (to 30 s after the service came back without one).</summary>
        public long EndUnixMs => StartUnixMs + (long)((RecoveredSeconds ?? BackSeconds + 30) * 1000);

        public string Name => Fault.Kind switch
        {
            FaultKind.KillPayments => "kill -9 payments",
            FaultKind.KillOrders => "kill -9 orders",
            _ => "restart PostgreSQL",
        };
    }

    public sealed record Outcome(Report Report, ReconciliationResult Reconciliation, IReadOnlyList<FaultWindow> Faults, RunResult Run, IReadOnlyList<CheckoutAnswer> Answers, double DrainSeconds, PiiScanResult Pii);

    /// <summary>A window [t, t + 5 s) is healthy when it has checkout answers, no server error and at least 95% final (201, 402).</summary>
    private const int RecoveryWindowMs = 5000;

    public static async Task<Outcome> RunAsync(Settings settings, TextWriter log, CancellationToken cancellationToken)
    {
        await using var postgres = await BenchPostgres.StartAsync(cancellationToken);
        await using var suite = await SuiteProcess.StartAsync("soak", postgres, new Dictionary<string, string?>(), log, cancellationToken);
        using var admin = new HttpClient { BaseAddress = suite.Endpoints.Services["payments"], Timeout = TimeSpan.FromSeconds(10) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", suite.Endpoints.PaymentsAdminToken);
        await SetPaymentFaultsAsync(admin, settings, cancellationToken);

        var answers = new ConcurrentQueue<CheckoutAnswer>();
        var measuredStart = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var load = LoadRunner.RunAsync(new LoadOptions
        {
            Gateway = suite.Gateway,
            Rate = settings.Rate,
            Duration = settings.Duration,
            WarmUp = settings.WarmUp,
            Mix = settings.Mix,
            Tenants = settings.Tenants,
            PoolUsers = 50,
            PoolOrders = 10,
            KeepResults = true,
            CheckoutRetry = settings.Retry,
            CheckoutAnswered = answers.Enqueue,
            BeforeMeasured = _ =>
            {
                measuredStart.TrySetResult(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                return Task.CompletedTask;
            },
        }, log, stopLoad.Token);

        var happened = new List<(Fault Fault, long StartUnixMs, double Down, double Back)>();
        try
        {
            var start = await Task.WhenAny(measuredStart.Task, load) == load ? throw new InvalidOperationException("The load ended before its measured phase.", load.Exception) : await measuredStart.Task;
            foreach (var fault in settings.FaultPlan.OrderBy(f => f.At))
            {
                var wait = DateTimeOffset.FromUnixTimeMilliseconds(start) + fault.At - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                happened.Add(await InjectAsync(fault, suite, postgres, admin, settings, log, cancellationToken));
            }
        }
        catch
        {
            // A fault that could not be injected or undone ends the run: stop the load before the suite is stopped.
            await stopLoad.CancelAsync();
            await load.ContinueWith(_ => { }, TaskScheduler.Default);
            throw;
        }

        var run = await load;
        log.WriteLine("-- load finished; waiting for the suite to finish Pending orders and publish its outbox");
        var databases = SoakDatabases.On(postgres.ConnectionString);
        var drain = Stopwatch.StartNew();
        var backlog = await SoakReconciliation.BacklogAsync(databases, cancellationToken);
        while (backlog != (0, 0) && drain.Elapsed < settings.DrainTimeout)
        {
            await Task.Delay(2000, cancellationToken);
            backlog = await SoakReconciliation.BacklogAsync(databases, cancellationToken);
        }

        log.WriteLine($"-- backlog after {drain.Elapsed.TotalSeconds:0} s: {backlog.Pending} Pending orders, {backlog.Unpublished} unpublished outbox rows");
        var answered = answers.ToList();
        var reconciliation = await SoakReconciliation.RunAsync(databases, answered, cancellationToken);
        if (settings.AfterReconciliation is { } after)
        {
            await after(databases);
        }

        // Issue 16, section 3: nothing the suite stored or exported during the soak holds personal data.
        log.WriteLine("-- scanning what the suite stored and exported for personal data (scan-pii)");
        var pii = await PiiScan.RunAsync(suite.EndpointsPath, new SentPii([ShopClient.UserName], []), cancellationToken);
        log.WriteLine(pii.Summary);
        var windows = happened.Select(h => new FaultWindow(h.Fault, h.StartUnixMs, h.Down, h.Back, RecoveredAfter(answered, h.StartUnixMs, h.Back))).ToList();
        var report = Build(settings, run, answered, windows, reconciliation, drain.Elapsed.TotalSeconds, pii);
        return new Outcome(report, reconciliation, windows, run, answered, drain.Elapsed.TotalSeconds, pii);
    }

    private static async Task<(Fault, long, double, double)> InjectAsync(
        Fault fault, SuiteProcess suite, BenchPostgres postgres, HttpClient admin, Settings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var startUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        double down;
        var timeout = TimeSpan.FromMinutes(2);
        if (fault.Kind is FaultKind.RestartPostgres)
        {
            log.WriteLine("-- restarting PostgreSQL");
            await postgres.RestartAsync(settings.Down, cancellationToken);
            down = clock.Elapsed.TotalSeconds;
            foreach (var service in (string[])["users", "orders", "payments", "gateway"])
            {
                await suite.WaitHealthyAsync(service, timeout, cancellationToken);
            }
        }
        else
        {
            var service = fault.Kind is FaultKind.KillPayments ? "payments" : "orders";
            var pid = suite.Kill(service);
            log.WriteLine($"-- kill -9 {service} (pid {pid.ToString(CultureInfo.InvariantCulture)})");
            await Task.Delay(settings.Down, cancellationToken);
            await suite.StartResourceAsync(service, timeout, cancellationToken);
            down = clock.Elapsed.TotalSeconds;
            await suite.WaitHealthyAsync(service, timeout, cancellationToken);
            if (fault.Kind is FaultKind.KillPayments)
            {
                await SetPaymentFaultsAsync(admin, settings, cancellationToken); // a new process starts without the injected faults
            }
        }

        var back = clock.Elapsed.TotalSeconds;
        log.WriteLine($"-- back after {back:0.0} s");
        return (fault, startUnixMs, down, back);
    }

    /// <summary>PUT /admin/faults on payments: FailureRate of charges fail UNAVAILABLE, SlowRate of them (drawn independently) wait SlowMs first.</summary>
    private static async Task SetPaymentFaultsAsync(HttpClient admin, Settings settings, CancellationToken cancellationToken)
    {
        var body = string.Create(CultureInfo.InvariantCulture, $$"""{"failureRate":{{settings.FailureRate}},"latencyMs":{{settings.SlowMs}},"latencyRate":{{settings.SlowRate}}}""");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await admin.PutAsync(new Uri("/admin/faults", UriKind.Relative), content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT /admin/faults answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>
    /// Seconds from the fault to the start of the first healthy 5-second window of checkout answers that begins once
    /// the service was back; null when the run ended first.
    /// </summary>
    internal static double? RecoveredAfter(IReadOnlyList<CheckoutAnswer> answers, long faultUnixMs, double backSeconds)
    {
        var end = answers.Count == 0 ? faultUnixMs : answers.Max(a => a.EndUnixMs);
        var sorted = answers.Where(a => a.EndUnixMs >= faultUnixMs).OrderBy(a => a.EndUnixMs).ToList();
        for (var t = faultUnixMs + (long)(backSeconds * 1000); t + RecoveryWindowMs <= end; t += 250)
        {
            var window = sorted.Where(a => a.EndUnixMs >= t && a.EndUnixMs < t + RecoveryWindowMs).ToList();
            if (window.Count > 0 && !window.Any(a => a.ServerError) && window.Count(a => a.Final) >= 0.95 * window.Count)
            {
                return (t - faultUnixMs) / 1000.0;
            }
        }

        return null;
    }

    private static Report Build(Settings settings, RunResult run, List<CheckoutAnswer> answers, List<FaultWindow> faults, ReconciliationResult r, double drainSeconds, PiiScanResult pii)
    {
        var report = new Report("soak", $"Fault soak: {settings.Rate:0.#} req/s for {settings.Duration.TotalSeconds:0} s with {settings.FailureRate:P0} failing and {settings.SlowRate:P0} slow payments, {faults.Count} faults");
        report.Notes.Add($"Machine: {MachineInfo.Describe()}.");
        report.Notes.Add($"Load: {settings.Mix}, open model, after {settings.WarmUp.TotalSeconds:0} s warm-up; a checkout without an answer or with a 5xx/429 is sent again with the same Idempotency-Key " +
            $"(at most {settings.Retry.MaxAttempts} attempts, {settings.Retry.FirstDelay.TotalSeconds:0.#} s doubling to {settings.Retry.MaxDelay.TotalSeconds:0} s, ±20% jitter). " +
            $"Payments faults through PUT /admin/faults: failureRate {settings.FailureRate.ToString(CultureInfo.InvariantCulture)}, {settings.SlowMs} ms on latencyRate {settings.SlowRate.ToString(CultureInfo.InvariantCulture)}, set again after payments restarts.");
        report.Notes.Add($"Faults: kill -9 (SIGKILL) of the service's process, {settings.Down.TotalSeconds:0} s down, then the AppHost's resource-start command over its resource service (what the Aspire dashboard's Start button sends); " +
            $"PostgreSQL: fast shutdown, {settings.Down.TotalSeconds:0} s down, started on the same data directory and port. Back = the service's /health answers 200 again (after a PostgreSQL restart: every service's). " +
            "Recovered = start of the first 5 s window after it was back in which checkout answers have no server error and at least 95% are final (201 or 402). Errors are requests that ended without an answer or with a 5xx, after the client's retries.");
        var table = report.Add("Faults", "fault", "at (s)", "down (s)", "back after (s)", "recovered after (s)", "requests in window", "errors in window (after retries)", "checkout attempts failed in window");
        foreach (var f in faults)
        {
            var inWindow = run.Results.Where(x => x.EndUnixMs >= f.StartUnixMs && x.EndUnixMs < f.EndUnixMs).ToList();
            var attempts = answers.Where(a => a.EndUnixMs >= f.StartUnixMs && a.EndUnixMs < f.EndUnixMs && a.ServerError).ToList();
            table.Row(f.Name, Report.Number(f.Fault.At.TotalSeconds), Report.Number(f.DownSeconds, "N1"), Report.Number(f.BackSeconds, "N1"),
                f.RecoveredSeconds is { } s ? Report.Number(s, "N1") : "not within the run", Report.Number(inWindow.Count),
                Kinds(inWindow.Where(x => x.ServerError).Select(x => x.Outcome)), Kinds(attempts.Select(a => a.Outcome)));
        }

        var checks = report.Add("Reconciliation (orders and payments databases against each other and against every answer)", "check", "count", "verdict");
        foreach (var (check, count) in r.Checks())
        {
            checks.Row(check, Report.Number(count), count == 0 ? "ok" : "FAILED");
        }

        var finalAnswers = answers.GroupBy(a => a.IdempotencyKey).Select(g => g.MaxBy(a => a.Attempt)!).ToList();
        var totals = report.Add("Totals", "measure", "value");
        totals.Row("requests (measured phase, after retries)", Report.Number(run.Requests));
        totals.Row("errors (measured phase, after retries)", Kinds(run.Results.Where(x => x.ServerError).Select(x => x.Outcome)));
        totals.Row("checkouts (keys, warm-up included) / attempts", $"{Report.Number(finalAnswers.Count)} / {Report.Number(answers.Count)}");
        totals.Row("keys retried / keys given up after every attempt", $"{Report.Number(r.RetriedKeys)} / {Report.Number(finalAnswers.Count(a => a.ServerError))}");
        totals.Row("last answers: 201 / 202 / 402", $"{Report.Number(finalAnswers.Count(a => a.Status == 201))} / {Report.Number(finalAnswers.Count(a => a.Status == 202))} / {Report.Number(finalAnswers.Count(a => a.Status == 402))}");
        totals.Row("orders named by answers / orders in the database / charges", $"{Report.Number(r.AnsweredOrders)} / {Report.Number(r.Orders)} / {Report.Number(r.Charges)}");
        totals.Row("drain after the run (Pending orders and outbox finished)", $"{drainSeconds:0} s");
        totals.Row("verdict", r.Passed ? "passed: nothing lost, nothing charged twice" : "FAILED");
        RunReport.AddScenarios(report, run);
        report.Data["reconciliation"] = r;
        report.Data["faults"] = faults.Select(f => new { fault = f.Name, at = f.Fault.At.TotalSeconds, down = f.DownSeconds, back = f.BackSeconds, recovered = f.RecoveredSeconds });
        report.Data["drainSeconds"] = drainSeconds;
        var privacy = report.Add("Personal data in telemetry (scan-pii: both dashboards, every /metrics, the console logs)", "finding", "count", "verdict");
        foreach (var (kind, name) in new[] { (PiiKind.Email, "e-mail addresses"), (PiiKind.CardNumber, "card-like numbers"), (PiiKind.FullName, "full names sent") })
        {
            privacy.Row(name, Report.Number(pii.Count(kind)), pii.Count(kind) == 0 ? "ok" : "FAILED");
        }

        privacy.Row("items scanned / sources / sources unreadable", $"{Report.Number(pii.Items)} / {Report.Number(pii.ItemsBySource.Count(i => i.Value > 0))} / {Report.Number(pii.Problems.Count)}", pii.Problems.Count == 0 ? "ok" : "incomplete");
        report.Data["pii"] = new { emails = pii.Count(PiiKind.Email), cards = pii.Count(PiiKind.CardNumber), names = pii.Count(PiiKind.FullName), items = pii.Items, problems = pii.Problems };
        report.Data["passed"] = r.Passed && pii.Findings.Count == 0;
        report.Failed = !r.Passed || pii.Findings.Count > 0;
        return report;
    }

    private static string Kinds(IEnumerable<string> outcomes)
    {
        var kinds = outcomes.GroupBy(o => o).Select(g => (Kind: g.Key, Count: g.Count())).OrderByDescending(k => k.Count).ToList();
        var total = Report.Number(kinds.Sum(k => k.Count));
        return kinds.Count == 0 ? total : $"{total} ({string.Join(", ", kinds.Select(k => $"{k.Kind} {Report.Number(k.Count)}"))})";
    }
}
