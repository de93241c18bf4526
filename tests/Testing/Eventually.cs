using System.Text.Json;

namespace Shop.Testing;

/// <summary>Polls until a condition holds, with a deadline instead of fixed sleeps (a busy machine is slow, not wrong).</summary>
public static class Eventually
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    /// <summary>GETs <paramref name="url"/> until its JSON satisfies <paramref name="condition"/>; the last answer when it does.</summary>
    public static async Task<JsonElement> GetJsonAsync(HttpClient http, string url, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var last = "(no answer)";
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.IsSuccessStatusCode)
                {
                    var json = JsonDocument.Parse(last[4..]).RootElement.Clone();
                    if (condition(json))
                    {
                        return json;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException)
            {
                last = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {Deadline} for {what} at {url}; last answer: {last[..Math.Min(last.Length, 2000)]}");
            }

            await Task.Delay(250);
        }
    }
}
