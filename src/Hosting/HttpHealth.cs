namespace Shop.Hosting;

/// <summary>Waits for HTTP endpoints to report healthy.</summary>
public static class HttpHealth
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// Polls <paramref name="url"/> until it answers 2xx. Fails with the last failure's reason when
    /// <paramref name="timeout"/> passes, and with the process's last output lines when <paramref name="process"/> exits first.
    /// </summary>
    /// <exception cref="HostingException">The URL did not become healthy.</exception>
    public static async Task WaitAsync(
        Uri url, TimeSpan timeout, ChildProcess? process = null, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var lastFailure = "no answer yet";
        try
        {
            while (true)
            {
                if (process is { Exited.IsCompleted: true })
                {
                    throw new HostingException(
                        $"The process exited with code {await process.Exited} before {url} answered.", process.RecentOutput);
                }

                try
                {
                    using var response = await Client.GetAsync(url, deadline.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }

                    lastFailure = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                }
                catch (HttpRequestException e)
                {
                    lastFailure = e.Message;
                }
                catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
                {
                    lastFailure = $"no answer within {Client.Timeout.TotalSeconds:0} s";
                }

                await Task.Delay(PollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HostingException($"{url} did not answer 2xx within {timeout.TotalSeconds:0.#} s; last failure: {lastFailure}.");
        }
    }
}
