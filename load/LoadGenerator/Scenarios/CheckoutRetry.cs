namespace Shop.LoadGenerator.Scenarios;

/// <summary>
/// How a client retries a checkout that got no answer or a server error (5xx, 429): with the same Idempotency-Key and
/// body, up to <see cref="MaxAttempts"/> attempts, waiting <see cref="FirstDelay"/> doubled after each one up to
/// <see cref="MaxDelay"/>, with jitter. A 4xx other than 429 is an answer and is not retried.
/// </summary>
internal sealed record CheckoutRetry(int MaxAttempts, TimeSpan FirstDelay, TimeSpan MaxDelay)
{
    /// <summary>8 attempts, 0.5 s doubling to at most 5 s: about 22 s of waiting, longer than a killed service stays down in the soak.</summary>
    public static CheckoutRetry Default { get; } = new(8, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));

    public static bool ShouldRetry(int status, string? exception) => exception is not null || status is >= 500 or 429;

    /// <summary>The wait before attempt <paramref name="next"/> (2 for the first retry), with ±20% jitter.</summary>
    public TimeSpan DelayBefore(int next)
    {
        var delay = Math.Min(MaxDelay.TotalMilliseconds, FirstDelay.TotalMilliseconds * Math.Pow(2, next - 2));
        return TimeSpan.FromMilliseconds(delay * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }
}

/// <summary>
/// One attempt of a checkout as the client saw it: its Idempotency-Key, attempt number (1 = first), HTTP status (0 with
/// no answer) or exception kind, the order id the answer named (Location of 201, 202 and 402) and when it ended.
/// </summary>
internal sealed record CheckoutAnswer(string IdempotencyKey, int Attempt, int Status, string? Exception, Guid? OrderId, long EndUnixMs)
{
    /// <summary>201 Paid or 402 PaymentFailed: the order is final.</summary>
    public bool Final => Exception is null && Status is 201 or 402;

    public bool ServerError => CheckoutRetry.ShouldRetry(Status, Exception);

    /// <summary>"201", "HTTP 503" or the exception kind.</summary>
    public string Outcome => Exception ?? (Status is >= 200 and < 300 ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"HTTP {Status}");
}
